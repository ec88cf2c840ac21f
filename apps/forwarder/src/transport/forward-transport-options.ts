import type { ConsumerConfig } from 'kafkajs';

/** What stays in order: records of one key, of one partition, or nothing. */
export type Ordering = 'key' | 'partition' | 'none';

export interface ForwardTransportOptions {
  topic: string;
  groupId: string;
  ordering: Ordering;
  /** Records being delivered at once (Infinity: as many as the window holds; the limiter gates requests). */
  workers: number;
  /** Records fetched and not yet done; fetching waits beyond it. */
  maxPending: number;
  sessionTimeoutMs: number;
  commitIntervalMs: number;
  /** How long a rebalance waits for in-flight deliveries before releasing partitions. */
  rebalanceDrainMs: number;
  shutdownTimeoutMs: number;
  /** Stop after this many records are done. */
  maxMessages?: number;
}

export const FORWARD_TRANSPORT_OPTIONS = Symbol('FORWARD_TRANSPORT_OPTIONS');

/** The consumer's standing in its group: the transport's status stream. */
export type ForwardStatus = 'connecting' | 'joining' | 'member' | 'rebalancing' | 'crashed' | 'stopping' | 'stopped';

const MIB = 1024 * 1024;

/** The kafkajs consumer for these options. */
export function consumerConfig(options: ForwardTransportOptions): ConsumerConfig {
  // The fetch budget follows the window: about 1 KiB a record it may hold, 1-5 MiB a fetch.
  const maxBytes = Math.min(5 * MIB, Math.max(MIB, options.maxPending * 1024));
  return {
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: Math.max(500, Math.floor(options.sessionTimeoutMs / 5)),
    allowAutoTopicCreation: false,
    // Bounds how long a stop waits for the current fetch; idle polling stays cheap.
    maxWaitTimeInMs: 1_000,
    // The window (--max-pending) bounds records in hand; these bound bytes fetched ahead of it.
    maxBytes,
    maxBytesPerPartition: Math.min(MIB, maxBytes),
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 5_000 },
  };
}
