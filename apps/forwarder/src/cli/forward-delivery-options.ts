import { formatDuration } from '@app/config';
import { InvalidArgumentError } from 'commander';
import type { ForwardOptions } from '../forward-options';
import { DEFAULTS } from './forward-defaults';
import { option, type ForwardOption } from './forward-option';
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
 * delivered (concurrency, order, rate, retries, batches, time-out, dead letters, headers). First
 * in --help; each also reads the environment variable named in `env`.
 */
export const DELIVERY_OPTIONS: readonly ForwardOption[] = [
  option({
    key: 'topic',
    flags: '--topic <topic>',
    description: 'topic to forward',
    required: true,
    env: 'FORWARDER_TOPIC',
    parse(value: string) {
      return topicName(value);
    },
  }),
  option({
    key: 'targetUrl',
    flags: '--target-url <url>',
    description: 'http(s) URL every record is POSTed to',
    required: true,
    env: 'FORWARDER_TARGET_URL',
    parse(value: string) {
      return httpUrl(value);
    },
  }),
  option({
    key: 'brokers',
    flags: '--brokers <list>',
    description: 'bootstrap brokers, host:port,... (default: KAFKA_BROKERS, else BROKER, else 127.0.0.1:9092)',
    parse(value: string) {
      return brokerList(value);
    },
  }),
  option({
    key: 'brokers',
    flags: '--broker <list>',
    description: 'same as --brokers',
    parse(value: string) {
      return brokerList(value);
    },
  }),
  option({
    key: 'group',
    flags: '--group <id>',
    description: `consumer group (default: ${DEFAULTS.group})`,
    env: 'FORWARDER_GROUP',
    parse(value: string) {
      return groupId(value);
    },
  }),
  option({
    key: 'workers',
    flags: '--workers <n|auto>',
    description: `deliveries in flight per instance: auto finds the target's capacity between --min-workers and --max-workers, a number fixes it (default: ${DEFAULTS.workers})`,
    env: 'FORWARDER_WORKERS',
    parse(value: string): ForwardOptions['workers'] {
      if (value.trim().toLowerCase() === 'auto') return 'auto';
      if (!/^\s*\d+\s*$/.test(value) || Number(value) < 1 || Number(value) > 1024)
        throw new InvalidArgumentError('It must be auto or an integer from 1 to 1024.');
      return Number(value);
    },
  }),
  option({
    key: 'minWorkers',
    flags: '--min-workers <n>',
    description: `with --workers auto, the fewest deliveries kept in flight (default: ${DEFAULTS.minWorkers})`,
    env: 'FORWARDER_MIN_WORKERS',
    parse(value: string) {
      return integer(1, 1024)(value);
    },
  }),
  option({
    key: 'maxWorkers',
    flags: '--max-workers <n>',
    description: `with --workers auto, the most deliveries in flight (default: ${DEFAULTS.maxWorkers})`,
    env: 'FORWARDER_MAX_WORKERS',
    parse(value: string) {
      return integer(1, 1024)(value);
    },
  }),
  option({
    key: 'ordering',
    flags: '--ordering <mode>',
    description: `what stays in order: key, partition or none (default: ${DEFAULTS.ordering})`,
    env: 'FORWARDER_ORDERING',
    parse(value: string) {
      return oneOf(['key', 'partition', 'none'] as const)(value);
    },
  }),
  option({
    key: 'rate',
    flags: '--rate <per-second>',
    description: `deliveries per second per instance, 0 = unlimited (default: ${DEFAULTS.rate})`,
    env: 'FORWARDER_RATE',
    parse(value: string) {
      return nonNegativeNumber(value);
    },
  }),
  option({
    key: 'retries',
    flags: '--retries <n>',
    description: `retries after the first attempt (default: ${DEFAULTS.retries})`,
    env: 'FORWARDER_RETRIES',
    parse(value: string) {
      return integer(0, 1000)(value);
    },
  }),
  option({
    key: 'retryDelayMs',
    flags: '--retry-delay <duration>',
    description: `first backoff; doubles each retry, full jitter (default: ${formatDuration(DEFAULTS.retryDelayMs)})`,
    env: 'FORWARDER_RETRY_DELAY',
    parse(value: string) {
      return duration(0, 3_600_000)(value);
    },
  }),
  option({
    key: 'retryMaxDelayMs',
    flags: '--retry-max-delay <duration>',
    description: `backoff cap, also caps Retry-After (default: ${formatDuration(DEFAULTS.retryMaxDelayMs)})`,
    env: 'FORWARDER_RETRY_MAX_DELAY',
    parse(value: string) {
      return duration(0, 3_600_000)(value);
    },
  }),
  option({
    key: 'retry4xx',
    flags: '--retry-4xx',
    description: 'retry 4xx answers too instead of dead-lettering them (default: off)',
    env: 'FORWARDER_RETRY_4XX',
    parse(value?: string) {
      return isOn(value);
    },
  }),
  option({
    key: 'batchMax',
    flags: '--batch-max <n>',
    description: `records per request: above 1 the body is a JSON array of envelopes, per partition, with per-key order kept (default: ${DEFAULTS.batchMax})`,
    env: 'FORWARDER_BATCH_MAX',
    parse(value: string) {
      return integer(1, 10_000)(value);
    },
  }),
  option({
    key: 'batchMaxBytes',
    flags: '--batch-max-bytes <size>',
    description: `a batch's body stays below this size, e.g. 512KiB (default: 1MiB)`,
    env: 'FORWARDER_BATCH_MAX_BYTES',
    parse(value: string) {
      return byteSize(1024, 64 * 1024 * 1024)(value);
    },
  }),
  option({
    key: 'batchLingerMs',
    flags: '--batch-linger <duration>',
    description: `how long a batch waits for more records before it is sent (default: ${formatDuration(DEFAULTS.batchLingerMs)})`,
    env: 'FORWARDER_BATCH_LINGER',
    parse(value: string) {
      return duration(0, 60_000)(value);
    },
  }),
  option({
    key: 'timeoutMs',
    flags: '--timeout <duration>',
    description: `per HTTP request (default: ${formatDuration(DEFAULTS.timeoutMs)})`,
    env: 'FORWARDER_TIMEOUT',
    parse(value: string) {
      return duration(1, 600_000)(value);
    },
  }),
  option({
    key: 'dlqTopic',
    flags: '--dlq-topic <topic>',
    description: 'where rejected and exhausted records go (default: <topic>.dlq)',
    env: 'FORWARDER_DLQ_TOPIC',
    parse(value: string) {
      return topicName(value);
    },
  }),
  option({
    key: 'headers',
    flags: "--header <'Name: value'>",
    description: 'static request header, repeatable, e.g. Authorization (default: none)',
    env: 'FORWARDER_HEADERS',
    parse(value: string, previous?: Record<string, string>) {
      return header(value, previous);
    },
  }),
];
