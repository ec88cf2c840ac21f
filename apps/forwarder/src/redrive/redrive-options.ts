export const DEAD_LETTER_REASONS = ['rejected', 'exhausted'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** Everything the `redrive` command was told, validated, with defaults applied. */
export interface RedriveOptions {
  /** The dead-letter topic to read. */
  topic: string;
  /** Where to write instead of each record's dlq-original-topic. */
  to?: string;
  /** Only these reasons; all when absent. */
  reasons?: DeadLetterReason[];
  /** Only dead letters written at or after this time (ms since the epoch). */
  since?: number;
  /** Stop each partition at the first dead letter written after this time. */
  until?: number;
  dryRun: boolean;
  /** Stop after redriving this many. */
  maxMessages?: number;
  /** Leave a record in the dead-letter topic once its redrive-count reaches this. */
  maxRedrives: number;
  group: string;
  brokers?: string[];
}

export const REDRIVE_OPTIONS = Symbol('REDRIVE_OPTIONS');
