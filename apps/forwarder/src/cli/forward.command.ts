import { formatDuration } from '@app/config';
import { InvalidArgumentError, type Command as Commander } from 'commander';
import { Command, CommandRunner, Option } from 'nest-commander';
import { signingKeyOf } from '../dispatch/webhook-signer';
import { ForwarderRunner } from '../forwarder-runner';
import { OffsetResetRunner } from '../replay/offset-reset-runner';
import { parsePosition, type Position } from '../replay/position';
import type { ForwardOptions } from '../forward-options';
import type { Ordering } from '../transport/forward-transport-options';
import { exitWithCodes } from './exit-codes';
import { acceptGoStyleFlags } from './go-flag-aliases';
import {
  brokerList,
  duration,
  groupId,
  header,
  httpUrl,
  integer,
  nonNegativeNumber,
  oneOf,
  topicName,
} from './option-parsers';

/** What commander hands over: only the flags given (or found in the environment). */
type Flags = Partial<Omit<ForwardOptions, 'headers' | 'retry4xx'>> & {
  headers?: Record<string, string>;
  retry4xx?: boolean;
  resetTo?: Position;
};

/** Option values when neither a flag nor its environment variable gives one. */
export const DEFAULTS = {
  group: 'http-consumer',
  workers: 'auto' as ForwardOptions['workers'],
  minWorkers: 1,
  maxWorkers: 1024,
  ordering: 'key' as Ordering,
  rate: 0,
  retries: 3,
  retryDelayMs: 1_000,
  retryMaxDelayMs: 30_000,
  timeoutMs: 10_000,
  statsIntervalS: 10,
  shutdownTimeoutMs: 30_000,
  circuitThreshold: 10,
  circuitCooldownMs: 5_000,
  sessionTimeoutMs: 10_000,
};

/**
 * `forward --topic <topic> --target-url <url> [options]`: parses and checks the options, then
 * hands them to the ForwarderRunner. Every option can also come from the environment variable
 * named in --help; a flag wins over its variable.
 */
@Command({ name: 'forward', description: 'Deliver every record of a Kafka topic to an HTTP endpoint, at least once.' })
export class ForwardCommand extends CommandRunner {
  constructor(
    private readonly runner: ForwarderRunner,
    private readonly offsetReset: OffsetResetRunner,
  ) {
    super();
  }

  /** nest-commander gives sub-commands no exit override of their own; bad flags must exit 2, not 1. */
  override setCommand(command: Commander): this {
    exitWithCodes(command);
    acceptGoStyleFlags(command);
    return super.setCommand(command);
  }

  async run(args: string[], flags: Flags): Promise<void> {
    // commander 11 lets stray words through (`--timeout 5 parsecs`); a typo must not start a forwarder.
    if (args.length > 0)
      this.usageError(`unexpected argument '${args[0]}': forward takes options only (quote a value that has spaces)`);
    if (flags.resetTo) {
      if (this.command.getOptionValueSource('group') === undefined)
        this.usageError(
          '--reset-to needs --group: name the group whose offsets move (the default group is not assumed).',
        );
      if (flags.from)
        this.usageError(
          '--reset-to and --from do not go together: --reset-to moves offsets and exits, --from decides where a new group starts.',
        );
      process.exitCode = await this.offsetReset.run(flags.topic!, flags.group!, flags.resetTo, flags.brokers);
      return;
    }
    const options = this.resolve(flags);
    process.exitCode = await this.runner.run(options);
  }

  private resolve(flags: Flags): ForwardOptions {
    const topic = flags.topic!;
    const workers = flags.workers ?? DEFAULTS.workers;
    const minWorkers = flags.minWorkers ?? DEFAULTS.minWorkers;
    const maxWorkers = flags.maxWorkers ?? DEFAULTS.maxWorkers;
    // The most deliveries that can be in flight: the fixed number, or the adaptive limit's ceiling.
    const mostInFlight = workers === 'auto' ? maxWorkers : workers;
    const options: ForwardOptions = {
      ...DEFAULTS,
      ...stripUndefined(flags),
      topic,
      targetUrl: flags.targetUrl!,
      workers,
      minWorkers,
      maxWorkers,
      dlqTopic: flags.dlqTopic ?? `${topic}.dlq`,
      headers: flags.headers ?? {},
      // commander hands a flag without a value only the presence of its variable: its value decides here.
      retry4xx:
        this.command.getOptionValueSource('retry4xx') === 'env'
          ? isOn(process.env.FORWARDER_RETRY_4XX)
          : (flags.retry4xx ?? false),
      maxPending: flags.maxPending ?? Math.max(1_000, mostInFlight * 4),
      httpClient: flags.httpClient ?? defaultHttpClient(),
    };
    if (options.retryDelayMs > options.retryMaxDelayMs) {
      this.usageError(
        `--retry-delay (${formatDuration(options.retryDelayMs)}) must not exceed --retry-max-delay (${formatDuration(options.retryMaxDelayMs)}).`,
      );
    }
    if (options.dlqTopic === options.topic)
      this.usageError('--dlq-topic must differ from --topic, or failed records would be delivered again.');
    if (minWorkers > maxWorkers)
      this.usageError(`--min-workers (${minWorkers}) must not exceed --max-workers (${maxWorkers}).`);
    if (workers === 'auto') {
      if (options.maxPending < minWorkers)
        this.usageError(`--max-pending (${options.maxPending}) must be at least --min-workers (${minWorkers}).`);
    } else if (options.maxPending < workers) {
      this.usageError(`--max-pending (${options.maxPending}) must be at least --workers (${workers}).`);
    }
    this.checkSigningSecrets(options.signingSecrets ?? []);
    return options;
  }

  /** Checked here, not in the option parser, whose error line would echo the secret. */
  private checkSigningSecrets(secrets: string[]): void {
    secrets.forEach((secret, i) => {
      try {
        signingKeyOf(secret);
      } catch (error) {
        const which = `(secret ${i + 1} of ${secrets.length}). ${(error as Error).message}`;
        if (this.command.getOptionValueSource('signingSecret') === 'env') {
          this.command.error(
            `error: option '--signing-secret <secret>' value from env 'FORWARDER_SIGNING_SECRETS' is invalid ${which}`,
            { exitCode: 1, code: 'forwarder.invalidOptions' },
          );
        }
        this.usageError(`option '--signing-secret <secret>' is invalid ${which}`);
      }
    });
  }

  private usageError(message: string): never {
    this.command.error(`error: ${message}`, { exitCode: 2, code: 'forwarder.invalidOptions' });
  }

  @Option({ flags: '--topic <topic>', description: 'topic to forward', required: true, env: 'FORWARDER_TOPIC' })
  parseTopic(value: string) {
    return topicName(value);
  }

  @Option({
    flags: '--target-url <url>',
    description: 'http(s) URL every record is POSTed to',
    required: true,
    env: 'FORWARDER_TARGET_URL',
  })
  parseTargetUrl(value: string) {
    return httpUrl(value);
  }

  @Option({
    flags: '--brokers <list>',
    description: 'bootstrap brokers, host:port,... (default: KAFKA_BROKERS, else BROKER, else 127.0.0.1:9092)',
  })
  parseBrokers(value: string) {
    return brokerList(value);
  }

  @Option({ flags: '--broker <list>', name: 'brokers', description: 'same as --brokers' })
  parseBroker(value: string) {
    return brokerList(value);
  }

  @Option({ flags: '--group <id>', description: `consumer group (default: ${DEFAULTS.group})`, env: 'FORWARDER_GROUP' })
  parseGroup(value: string) {
    return groupId(value);
  }

  @Option({
    flags: '--workers <n|auto>',
    description: `deliveries in flight per instance: auto finds the target's capacity between --min-workers and --max-workers, a number fixes it (default: ${DEFAULTS.workers})`,
    env: 'FORWARDER_WORKERS',
  })
  parseWorkers(value: string): ForwardOptions['workers'] {
    if (value.trim().toLowerCase() === 'auto') return 'auto';
    if (!/^\s*\d+\s*$/.test(value) || Number(value) < 1 || Number(value) > 1024)
      throw new InvalidArgumentError('It must be auto or an integer from 1 to 1024.');
    return Number(value);
  }

  @Option({
    flags: '--min-workers <n>',
    description: `with --workers auto, the fewest deliveries kept in flight (default: ${DEFAULTS.minWorkers})`,
    env: 'FORWARDER_MIN_WORKERS',
  })
  parseMinWorkers(value: string) {
    return integer(1, 1024)(value);
  }

  @Option({
    flags: '--max-workers <n>',
    description: `with --workers auto, the most deliveries in flight (default: ${DEFAULTS.maxWorkers})`,
    env: 'FORWARDER_MAX_WORKERS',
  })
  parseMaxWorkers(value: string) {
    return integer(1, 1024)(value);
  }

  @Option({
    flags: '--ordering <mode>',
    description: 'what stays in order: key, partition or none (default: key)',
    env: 'FORWARDER_ORDERING',
  })
  parseOrdering(value: string) {
    return oneOf(['key', 'partition', 'none'] as const)(value);
  }

  @Option({
    flags: '--rate <per-second>',
    description: 'deliveries per second per instance, 0 = unlimited (default: 0)',
    env: 'FORWARDER_RATE',
  })
  parseRate(value: string) {
    return nonNegativeNumber(value);
  }

  @Option({
    flags: '--retries <n>',
    description: `retries after the first attempt (default: ${DEFAULTS.retries})`,
    env: 'FORWARDER_RETRIES',
  })
  parseRetries(value: string) {
    return integer(0, 1000)(value);
  }

  @Option({
    flags: '--retry-delay <duration>',
    name: 'retryDelayMs',
    description: 'first backoff; doubles each retry, full jitter (default: 1s)',
    env: 'FORWARDER_RETRY_DELAY',
  })
  parseRetryDelay(value: string) {
    return duration(0, 3_600_000)(value);
  }

  @Option({
    flags: '--retry-max-delay <duration>',
    name: 'retryMaxDelayMs',
    description: 'backoff cap, also caps Retry-After (default: 30s)',
    env: 'FORWARDER_RETRY_MAX_DELAY',
  })
  parseRetryMaxDelay(value: string) {
    return duration(0, 3_600_000)(value);
  }

  @Option({
    flags: '--retry-4xx',
    name: 'retry4xx',
    description: 'retry 4xx answers too instead of dead-lettering them (default: off)',
    env: 'FORWARDER_RETRY_4XX',
  })
  parseRetry4xx(value?: string) {
    return isOn(value);
  }

  @Option({
    flags: '--timeout <duration>',
    name: 'timeoutMs',
    description: 'per HTTP request (default: 10s)',
    env: 'FORWARDER_TIMEOUT',
  })
  parseTimeout(value: string) {
    return duration(1, 600_000)(value);
  }

  @Option({
    flags: '--dlq-topic <topic>',
    description: 'where rejected and exhausted records go (default: <topic>.dlq)',
    env: 'FORWARDER_DLQ_TOPIC',
  })
  parseDlqTopic(value: string) {
    return topicName(value);
  }

  @Option({
    flags: "--header <'Name: value'>",
    name: 'headers',
    description: 'static request header, repeatable, e.g. Authorization (default: none)',
    env: 'FORWARDER_HEADERS',
  })
  parseHeader(value: string, previous?: Record<string, string>) {
    return header(value, previous);
  }

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
    description: 'seconds between progress lines (default: 10)',
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
    description: 'how long a stop waits for deliveries in flight (default: 30s)',
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
    description: `failures in a row that open the circuit and pause consumption (default: ${DEFAULTS.circuitThreshold})`,
    env: 'FORWARDER_CIRCUIT_THRESHOLD',
  })
  parseCircuitThreshold(value: string) {
    return integer(1, 100_000)(value);
  }

  @Option({
    flags: '--circuit-cooldown <duration>',
    name: 'circuitCooldownMs',
    description: 'time between probes while the circuit is open (default: 5s)',
    env: 'FORWARDER_CIRCUIT_COOLDOWN',
  })
  parseCircuitCooldown(value: string) {
    return duration(10, 3_600_000)(value);
  }

  @Option({
    flags: '--session-timeout <duration>',
    name: 'sessionTimeoutMs',
    description: 'consumer group session timeout (default: 10s)',
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
}

function position(value: string): Position {
  try {
    return parsePosition(value, Date.now());
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/**
 * undici delivered 5x what @nestjs/axios did in bench:forwarder, so it is the default; axios
 * honours the proxy variables, so it takes over when one is set.
 */
function defaultHttpClient(): 'undici' | 'axios' {
  const proxy = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'].some(
    (name) => (process.env[name] ?? '') !== '',
  );
  return proxy ? 'axios' : 'undici';
}

/** A switch given alone or with a value: anything but false, 0, no or off turns it on. */
function isOn(value?: string): boolean {
  return value === undefined || value === '' || !/^(false|0|no|off)$/i.test(value);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
