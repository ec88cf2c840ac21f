import { formatDuration } from '@app/config';
import { LOG_FORMATS, LOG_LEVELS } from '@app/observability';
import { DEFAULTS, LOGGING_DEFAULTS } from './forward-defaults';
import { option, type ForwardOption } from './forward-option';
import { duration, httpUrl, integer, oneOf, position } from './option-parsers';

/**
 * The forward command's options that say how a run is operated and tuned: health and progress,
 * when it stops, its memory and circuit bounds, the HTTP client, signing, where a new group
 * starts, and logging. Each also reads the environment variable named in `env`.
 */
export const RUN_OPTIONS: readonly ForwardOption[] = [
  option({
    key: 'healthPort',
    flags: '--health-port <port>',
    description: 'serve /health and /metrics on this port (default: off)',
    env: 'FORWARDER_HEALTH_PORT',
    parse(value: string) {
      return integer(1, 65535)(value);
    },
  }),
  option({
    key: 'statsIntervalS',
    flags: '--stats-interval <seconds>',
    description: `seconds between progress lines (default: ${DEFAULTS.statsIntervalS})`,
    env: 'FORWARDER_STATS_INTERVAL',
    parse(value: string) {
      return duration(1_000, 3_600_000)(value) / 1000;
    },
  }),
  option({
    key: 'maxMessages',
    flags: '--max-messages <n>',
    description: 'stop cleanly after this many records are done (default: off)',
    env: 'FORWARDER_MAX_MESSAGES',
    parse(value: string) {
      return integer(1, Number.MAX_SAFE_INTEGER)(value);
    },
  }),
  option({
    key: 'idleExitMs',
    flags: '--idle-exit <duration>',
    description: 'stop cleanly after this long with nothing to do (default: off)',
    env: 'FORWARDER_IDLE_EXIT',
    parse(value: string) {
      return duration(100, 86_400_000)(value);
    },
  }),
  option({
    key: 'shutdownTimeoutMs',
    flags: '--shutdown-timeout <duration>',
    description: `how long a stop waits for deliveries in flight (default: ${formatDuration(DEFAULTS.shutdownTimeoutMs)})`,
    env: 'FORWARDER_SHUTDOWN_TIMEOUT',
    parse(value: string) {
      return duration(0, 600_000)(value);
    },
  }),
  option({
    key: 'maxPending',
    flags: '--max-pending <n>',
    description:
      'records fetched and not yet done, per instance; with --workers auto the window follows the limit, max(1000, 4 x limit), up to this (default: max(1000, 4 x workers or --max-workers))',
    env: 'FORWARDER_MAX_PENDING',
    parse(value: string) {
      return integer(1, 1_000_000)(value);
    },
  }),
  option({
    key: 'circuitThreshold',
    flags: '--circuit-threshold <n>',
    description: `failures in a row, from 3 keys or refused connections, that open the circuit and pause consumption (default: ${DEFAULTS.circuitThreshold})`,
    env: 'FORWARDER_CIRCUIT_THRESHOLD',
    parse(value: string) {
      return integer(1, 100_000)(value);
    },
  }),
  option({
    key: 'circuitCooldownMs',
    flags: '--circuit-cooldown <duration>',
    description: `time between probes while the circuit is open (default: ${formatDuration(DEFAULTS.circuitCooldownMs)})`,
    env: 'FORWARDER_CIRCUIT_COOLDOWN',
    parse(value: string) {
      return duration(10, 3_600_000)(value);
    },
  }),
  option({
    key: 'sessionTimeoutMs',
    flags: '--session-timeout <duration>',
    description: `consumer group session timeout (default: ${formatDuration(DEFAULTS.sessionTimeoutMs)})`,
    env: 'FORWARDER_SESSION_TIMEOUT',
    parse(value: string) {
      return duration(6_000, 300_000)(value);
    },
  }),
  option({
    key: 'httpClient',
    flags: '--http-client <client>',
    description:
      'undici, or axios (which honours HTTP_PROXY/HTTPS_PROXY) (default: undici, axios when a proxy variable is set)',
    env: 'FORWARDER_HTTP_CLIENT',
    parse(value: string) {
      return oneOf(['axios', 'undici'] as const)(value);
    },
  }),
  option({
    key: 'signingSecrets',
    flags: '--signing-secret <secret>',
    description:
      'Standard Webhooks secret (whsec_<base64 key>): adds webhook-signature to every request; repeatable, one signature per secret, for rotation (default: none, unsigned)',
    env: 'FORWARDER_SIGNING_SECRETS',
    parse(value: string, previous: string[] = []) {
      return [
        ...previous,
        ...value
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
      ];
    },
  }),
  option({
    key: 'from',
    flags: '--from <position>',
    description:
      'where a group with no committed offsets starts: earliest, latest, an ISO time or a duration ago, e.g. 2h (default: earliest)',
    env: 'FORWARDER_FROM',
    parse(value: string) {
      return position(value);
    },
  }),
  // No environment variable: a reset is a one-off action, not configuration that every restart repeats.
  option({
    key: 'resetTo',
    flags: '--reset-to <position>',
    description:
      "move --group's committed offsets to the first record at or after this ISO time (or duration ago, earliest, latest), then exit; add it to the forwarder's own command line; refused while the group has running members (default: off)",
    parse(value: string) {
      return position(value);
    },
  }),
  option({
    key: 'schemaRegistryUrl',
    flags: '--schema-registry-url <url>',
    description:
      'a Confluent-compatible Schema Registry (user:password@ for basic auth): records in its wire format are delivered as JSON, Avro decoded (default: off)',
    env: 'SCHEMA_REGISTRY_URL',
    parse(value: string) {
      return httpUrl(value);
    },
  }),
  option({
    key: 'logLevel',
    flags: '--log-level <level>',
    description: `how much to log: ${LOG_LEVELS.join(', ')} (default: ${LOGGING_DEFAULTS.level})`,
    env: 'LOG_LEVEL',
    parse(value: string) {
      return oneOf(LOG_LEVELS)(value);
    },
  }),
  option({
    key: 'logFormat',
    flags: '--log-format <format>',
    description: `${LOG_FORMATS.join(', ')}: auto writes readable lines when stdout is a terminal, JSON lines otherwise (default: ${LOGGING_DEFAULTS.format})`,
    env: 'LOG_FORMAT',
    parse(value: string) {
      return oneOf(LOG_FORMATS)(value);
    },
  }),
];
