import { formatDuration } from '@app/config';
import type { Command as Commander } from 'commander';
import { Command, CommandRunner, Option } from 'nest-commander';
import { ForwarderRunner } from '../forwarder-runner';
import type { ForwardOptions } from '../forward-options';
import type { Ordering } from '../transport/kafka-forward.server';
import { exitCodeFor } from './exit-codes';
import { brokerList, duration, groupId, header, httpUrl, integer, nonNegativeNumber, oneOf, topicName } from './option-parsers';

/** What commander hands over: only the flags given (or found in the environment). */
type Flags = Partial<Omit<ForwardOptions, 'headers' | 'retry4xx'>> & { headers?: Record<string, string>; retry4xx?: boolean };

const DEFAULTS = {
  group: 'http-forwarder',
  workers: 16,
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
  constructor(private readonly runner: ForwarderRunner) {
    super();
  }

  /** nest-commander gives sub-commands no exit override of their own; bad flags must exit 2, not 1. */
  override setCommand(command: Commander): this {
    command.exitOverride((error) => process.exit(exitCodeFor(error)));
    return super.setCommand(command);
  }

  async run(args: string[], flags: Flags): Promise<void> {
    // commander 11 lets stray words through (`--timeout 5 parsecs`); a typo must not start a forwarder.
    if (args.length > 0) this.usageError(`unexpected argument '${args[0]}': forward takes options only (quote a value that has spaces)`);
    const options = this.resolve(flags);
    process.exitCode = await this.runner.run(options);
  }

  private resolve(flags: Flags): ForwardOptions {
    const topic = flags.topic!;
    const workers = flags.workers ?? DEFAULTS.workers;
    const options: ForwardOptions = {
      ...DEFAULTS,
      ...stripUndefined(flags),
      topic,
      targetUrl: flags.targetUrl!,
      workers,
      dlqTopic: flags.dlqTopic ?? `${topic}.dlq`,
      headers: flags.headers ?? {},
      retry4xx: flags.retry4xx ?? false,
      maxPending: flags.maxPending ?? Math.max(1_000, workers * 4),
      httpClient: flags.httpClient ?? defaultHttpClient(),
    };
    if (options.retryDelayMs > options.retryMaxDelayMs) {
      this.usageError(`--retry-delay (${formatDuration(options.retryDelayMs)}) must not exceed --retry-max-delay (${formatDuration(options.retryMaxDelayMs)}).`);
    }
    if (options.dlqTopic === options.topic) this.usageError('--dlq-topic must differ from --topic, or failed records would be delivered again.');
    if (options.maxPending < options.workers) this.usageError(`--max-pending (${options.maxPending}) must be at least --workers (${options.workers}).`);
    return options;
  }

  private usageError(message: string): never {
    this.command.error(`error: ${message}`, { exitCode: 2, code: 'forwarder.invalidOptions' });
  }

  @Option({ flags: '--topic <topic>', description: 'topic to forward', required: true, env: 'FORWARDER_TOPIC' })
  parseTopic(value: string) {
    return topicName(value);
  }

  @Option({ flags: '--target-url <url>', description: 'http(s) URL every record is POSTed to', required: true, env: 'FORWARDER_TARGET_URL' })
  parseTargetUrl(value: string) {
    return httpUrl(value);
  }

  @Option({ flags: '--brokers <list>', description: 'bootstrap brokers, host:port,... (default: KAFKA_BROKERS, else 127.0.0.1:9092)' })
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

  @Option({ flags: '--workers <n>', description: `deliveries in flight per instance (default: ${DEFAULTS.workers})`, env: 'FORWARDER_WORKERS' })
  parseWorkers(value: string) {
    return integer(1, 1024)(value);
  }

  @Option({ flags: '--ordering <mode>', description: 'what stays in order: key, partition or none (default: key)', env: 'FORWARDER_ORDERING' })
  parseOrdering(value: string) {
    return oneOf(['key', 'partition', 'none'] as const)(value);
  }

  @Option({ flags: '--rate <per-second>', description: 'deliveries per second per instance, 0 = unlimited (default: 0)', env: 'FORWARDER_RATE' })
  parseRate(value: string) {
    return nonNegativeNumber(value);
  }

  @Option({ flags: '--retries <n>', description: `retries after the first attempt (default: ${DEFAULTS.retries})`, env: 'FORWARDER_RETRIES' })
  parseRetries(value: string) {
    return integer(0, 1000)(value);
  }

  @Option({ flags: '--retry-delay <duration>', name: 'retryDelayMs', description: 'first backoff; doubles each retry, full jitter (default: 1s)', env: 'FORWARDER_RETRY_DELAY' })
  parseRetryDelay(value: string) {
    return duration(0, 3_600_000)(value);
  }

  @Option({ flags: '--retry-max-delay <duration>', name: 'retryMaxDelayMs', description: 'backoff cap, also caps Retry-After (default: 30s)', env: 'FORWARDER_RETRY_MAX_DELAY' })
  parseRetryMaxDelay(value: string) {
    return duration(0, 3_600_000)(value);
  }

  @Option({ flags: '--retry-4xx', name: 'retry4xx', description: 'retry 4xx answers too instead of dead-lettering them (default: off)', env: 'FORWARDER_RETRY_4XX' })
  parseRetry4xx(value?: string) {
    return value === undefined || value === '' || !/^(false|0|no|off)$/i.test(value);
  }

  @Option({ flags: '--timeout <duration>', name: 'timeoutMs', description: 'per HTTP request (default: 10s)', env: 'FORWARDER_TIMEOUT' })
  parseTimeout(value: string) {
    return duration(1, 600_000)(value);
  }

  @Option({ flags: '--dlq-topic <topic>', description: 'where rejected and exhausted records go (default: <topic>.dlq)', env: 'FORWARDER_DLQ_TOPIC' })
  parseDlqTopic(value: string) {
    return topicName(value);
  }

  @Option({ flags: "--header <'Name: value'>", name: 'headers', description: 'static request header, repeatable, e.g. Authorization (default: none)', env: 'FORWARDER_HEADERS' })
  parseHeader(value: string, previous?: Record<string, string>) {
    return header(value, previous);
  }

  @Option({ flags: '--health-port <port>', description: 'serve /health and /metrics on this port (default: off)', env: 'FORWARDER_HEALTH_PORT' })
  parseHealthPort(value: string) {
    return integer(1, 65535)(value);
  }

  @Option({ flags: '--stats-interval <seconds>', name: 'statsIntervalS', description: 'seconds between progress lines (default: 10)', env: 'FORWARDER_STATS_INTERVAL' })
  parseStatsInterval(value: string) {
    return duration(1_000, 3_600_000)(value) / 1000;
  }

  @Option({ flags: '--max-messages <n>', description: 'stop cleanly after this many records are done (default: off)', env: 'FORWARDER_MAX_MESSAGES' })
  parseMaxMessages(value: string) {
    return integer(1, Number.MAX_SAFE_INTEGER)(value);
  }

  @Option({ flags: '--idle-exit <duration>', name: 'idleExitMs', description: 'stop cleanly after this long with nothing to do (default: off)', env: 'FORWARDER_IDLE_EXIT' })
  parseIdleExit(value: string) {
    return duration(100, 86_400_000)(value);
  }

  @Option({ flags: '--shutdown-timeout <duration>', name: 'shutdownTimeoutMs', description: 'how long a stop waits for deliveries in flight (default: 30s)', env: 'FORWARDER_SHUTDOWN_TIMEOUT' })
  parseShutdownTimeout(value: string) {
    return duration(0, 600_000)(value);
  }

  @Option({ flags: '--max-pending <n>', description: 'records fetched and not yet done, per instance (default: max(1000, 4 x workers))', env: 'FORWARDER_MAX_PENDING' })
  parseMaxPending(value: string) {
    return integer(1, 1_000_000)(value);
  }

  @Option({ flags: '--circuit-threshold <n>', description: `failures in a row that open the circuit and pause consumption (default: ${DEFAULTS.circuitThreshold})`, env: 'FORWARDER_CIRCUIT_THRESHOLD' })
  parseCircuitThreshold(value: string) {
    return integer(1, 100_000)(value);
  }

  @Option({ flags: '--circuit-cooldown <duration>', name: 'circuitCooldownMs', description: 'time between probes while the circuit is open (default: 5s)', env: 'FORWARDER_CIRCUIT_COOLDOWN' })
  parseCircuitCooldown(value: string) {
    return duration(10, 3_600_000)(value);
  }

  @Option({ flags: '--session-timeout <duration>', name: 'sessionTimeoutMs', description: 'consumer group session timeout (default: 10s)', env: 'FORWARDER_SESSION_TIMEOUT' })
  parseSessionTimeout(value: string) {
    return duration(6_000, 300_000)(value);
  }

  @Option({ flags: '--http-client <client>', description: 'undici, or axios (which honours HTTP_PROXY/HTTPS_PROXY) (default: undici, axios when a proxy variable is set)', env: 'FORWARDER_HTTP_CLIENT' })
  parseHttpClient(value: string) {
    return oneOf(['axios', 'undici'] as const)(value);
  }
}

/**
 * undici delivered 5x what @nestjs/axios did in bench:forwarder, so it is the default; axios
 * honours the proxy variables, so it takes over when one is set.
 */
function defaultHttpClient(): 'undici' | 'axios' {
  const proxy = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'].some((name) => (process.env[name] ?? '') !== '');
  return proxy ? 'axios' : 'undici';
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
