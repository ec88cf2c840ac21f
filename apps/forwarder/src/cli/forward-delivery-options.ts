import { formatDuration } from '@app/config';
import { InvalidArgumentError } from 'commander';
import { Option } from 'nest-commander';
import type { ForwardOptions } from '../forward-options';
import { DEFAULTS } from './forward-defaults';
import { ForwardReceiverOptions } from './forward-receiver-options';
import {
  brokerList,
  byteSize,
  duration,
  groupId,
  header,
  httpUrl,
  integer,
  isOn,
  nonNegativeNumber,
  oneOf,
  topicName,
} from './option-parsers';

/**
 * The forward command's options that say what is forwarded, where to, and how each record is
 * delivered (concurrency, order, rate, retries, time-out, dead letters, headers). Declared first,
 * so --help lists them first; each also reads the environment variable named in `env`.
 */
export abstract class ForwardDeliveryOptions extends ForwardReceiverOptions {
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
    description: `what stays in order: key, partition or none (default: ${DEFAULTS.ordering})`,
    env: 'FORWARDER_ORDERING',
  })
  parseOrdering(value: string) {
    return oneOf(['key', 'partition', 'none'] as const)(value);
  }

  @Option({
    flags: '--rate <per-second>',
    description: `deliveries per second per instance, 0 = unlimited (default: ${DEFAULTS.rate})`,
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
    description: `first backoff; doubles each retry, full jitter (default: ${formatDuration(DEFAULTS.retryDelayMs)})`,
    env: 'FORWARDER_RETRY_DELAY',
  })
  parseRetryDelay(value: string) {
    return duration(0, 3_600_000)(value);
  }

  @Option({
    flags: '--retry-max-delay <duration>',
    name: 'retryMaxDelayMs',
    description: `backoff cap, also caps Retry-After (default: ${formatDuration(DEFAULTS.retryMaxDelayMs)})`,
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
    flags: '--batch-max <n>',
    name: 'batchMax',
    description: `records per request: above 1 the body is a JSON array of envelopes, per partition, with per-key order kept (default: ${DEFAULTS.batchMax})`,
    env: 'FORWARDER_BATCH_MAX',
  })
  parseBatchMax(value: string) {
    return integer(1, 10_000)(value);
  }

  @Option({
    flags: '--batch-max-bytes <size>',
    name: 'batchMaxBytes',
    description: `a batch's body stays below this size, e.g. 512KiB (default: 1MiB)`,
    env: 'FORWARDER_BATCH_MAX_BYTES',
  })
  parseBatchMaxBytes(value: string) {
    return byteSize(1024, 64 * 1024 * 1024)(value);
  }

  @Option({
    flags: '--batch-linger <duration>',
    name: 'batchLingerMs',
    description: `how long a batch waits for more records before it is sent (default: ${formatDuration(DEFAULTS.batchLingerMs)})`,
    env: 'FORWARDER_BATCH_LINGER',
  })
  parseBatchLinger(value: string) {
    return duration(0, 60_000)(value);
  }

  @Option({
    flags: '--timeout <duration>',
    name: 'timeoutMs',
    description: `per HTTP request (default: ${formatDuration(DEFAULTS.timeoutMs)})`,
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
}
