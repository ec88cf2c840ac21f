import { formatDuration } from '@app/config';
import { LOG_FORMATS, LOG_LEVELS } from '@app/observability';
import { CommandRunner, Option } from 'nest-commander';
import { DEFAULTS, LOGGING_DEFAULTS } from './forward-defaults';
import { duration, httpUrl, integer, oneOf, position } from './option-parsers';

/**
 * The forward command's options that say how a run is operated and tuned: health and progress,
 * when it stops, its memory and circuit bounds, the HTTP client, signing, where a new group
 * starts, and logging. Each also reads the environment variable named in `env`.
 */
export abstract class ForwardRunOptions extends CommandRunner {
  @Option({
    flags: '--health-port <port>',
    description: 'serve /health and /metrics on this port (default: off)',
    env: 'FORWARDER_HEALTH_PORT',
  })
  parseHealthPort(value: string) {
    return integer(1, 65535)(value);
  }

  @Option({
    flags: '--stats-interval <seconds>',
    name: 'statsIntervalS',
    description: `seconds between progress lines (default: ${DEFAULTS.statsIntervalS})`,
    env: 'FORWARDER_STATS_INTERVAL',
  })
  parseStatsInterval(value: string) {
    return duration(1_000, 3_600_000)(value) / 1000;
  }

  @Option({
    flags: '--max-messages <n>',
    description: 'stop cleanly after this many records are done (default: off)',
    env: 'FORWARDER_MAX_MESSAGES',
  })
  parseMaxMessages(value: string) {
    return integer(1, Number.MAX_SAFE_INTEGER)(value);
  }

  @Option({
    flags: '--idle-exit <duration>',
    name: 'idleExitMs',
    description: 'stop cleanly after this long with nothing to do (default: off)',
    env: 'FORWARDER_IDLE_EXIT',
  })
  parseIdleExit(value: string) {
    return duration(100, 86_400_000)(value);
  }

  @Option({
    flags: '--shutdown-timeout <duration>',
    name: 'shutdownTimeoutMs',
    description: `how long a stop waits for deliveries in flight (default: ${formatDuration(DEFAULTS.shutdownTimeoutMs)})`,
    env: 'FORWARDER_SHUTDOWN_TIMEOUT',
  })
  parseShutdownTimeout(value: string) {
    return duration(0, 600_000)(value);
  }

  @Option({
    flags: '--max-pending <n>',
    description:
      'records fetched and not yet done, per instance; with --workers auto the window follows the limit, max(1000, 4 x limit), up to this (default: max(1000, 4 x workers or --max-workers))',
    env: 'FORWARDER_MAX_PENDING',
  })
  parseMaxPending(value: string) {
    return integer(1, 1_000_000)(value);
  }

  @Option({
    flags: '--circuit-threshold <n>',
    description: `failures in a row, from 3 keys or refused connections, that open the circuit and pause consumption (default: ${DEFAULTS.circuitThreshold})`,
    env: 'FORWARDER_CIRCUIT_THRESHOLD',
  })
  parseCircuitThreshold(value: string) {
    return integer(1, 100_000)(value);
  }

  @Option({
    flags: '--circuit-cooldown <duration>',
    name: 'circuitCooldownMs',
    description: `time between probes while the circuit is open (default: ${formatDuration(DEFAULTS.circuitCooldownMs)})`,
    env: 'FORWARDER_CIRCUIT_COOLDOWN',
  })
  parseCircuitCooldown(value: string) {
    return duration(10, 3_600_000)(value);
  }

  @Option({
    flags: '--session-timeout <duration>',
    name: 'sessionTimeoutMs',
    description: `consumer group session timeout (default: ${formatDuration(DEFAULTS.sessionTimeoutMs)})`,
    env: 'FORWARDER_SESSION_TIMEOUT',
  })
  parseSessionTimeout(value: string) {
    return duration(6_000, 300_000)(value);
  }

  @Option({
    flags: '--http-client <client>',
    description:
      'undici, or axios (which honours HTTP_PROXY/HTTPS_PROXY) (default: undici, axios when a proxy variable is set)',
    env: 'FORWARDER_HTTP_CLIENT',
  })
  parseHttpClient(value: string) {
    return oneOf(['axios', 'undici'] as const)(value);
  }

  @Option({
    flags: '--signing-secret <secret>',
    name: 'signingSecrets',
    description:
      'Standard Webhooks secret (whsec_<base64 key>): adds webhook-signature to every request; repeatable, one signature per secret, for rotation (default: none, unsigned)',
    env: 'FORWARDER_SIGNING_SECRETS',
  })
  parseSigningSecret(value: string, previous: string[] = []) {
    return [
      ...previous,
      ...value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ];
  }

  @Option({
    flags: '--from <position>',
    description:
      'where a group with no committed offsets starts: earliest, latest, an ISO time or a duration ago, e.g. 2h (default: earliest)',
    env: 'FORWARDER_FROM',
  })
  parseFrom(value: string) {
    return position(value);
  }

  // No environment variable: a reset is a one-off action, not configuration that every restart repeats.
  @Option({
    flags: '--reset-to <position>',
    description:
      "move --group's committed offsets to the first record at or after this ISO time (or duration ago, earliest, latest), then exit; add it to the forwarder's own command line; refused while the group has running members (default: off)",
  })
  parseResetTo(value: string) {
    return position(value);
  }

  @Option({
    flags: '--schema-registry-url <url>',
    description:
      'a Confluent-compatible Schema Registry (user:password@ for basic auth): records in its wire format are delivered as JSON, Avro decoded (default: off)',
    env: 'SCHEMA_REGISTRY_URL',
  })
  parseSchemaRegistryUrl(value: string) {
    return httpUrl(value);
  }

  @Option({
    flags: '--log-level <level>',
    description: `how much to log: ${LOG_LEVELS.join(', ')} (default: ${LOGGING_DEFAULTS.level})`,
    env: 'LOG_LEVEL',
  })
  parseLogLevel(value: string) {
    return oneOf(LOG_LEVELS)(value);
  }

  @Option({
    flags: '--log-format <format>',
    description: `${LOG_FORMATS.join(', ')}: auto writes readable lines when stdout is a terminal, JSON lines otherwise (default: ${LOGGING_DEFAULTS.format})`,
    env: 'LOG_FORMAT',
  })
  parseLogFormat(value: string) {
    return oneOf(LOG_FORMATS)(value);
  }
}
