import type { ForwardLogging, ForwardOptions } from '../forward-options';
import type { Ordering } from '../transport/forward-transport-options';

/** Option values when neither a flag nor its environment variable gives one; --help shows them. */
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
  batchMax: 1,
  batchMaxBytes: 1024 * 1024,
  batchLingerMs: 5,
};

export const LOGGING_DEFAULTS: ForwardLogging = { level: 'log', format: 'auto' };
