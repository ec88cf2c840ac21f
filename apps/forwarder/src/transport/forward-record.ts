/** One Kafka record on its way to the target. */
export interface ForwardRecord {
  topic: string;
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | undefined>;
  /** Milliseconds since the epoch, as Kafka stored it. */
  timestamp: number;
}

/** The pattern the transport emits every record under; the handler registers for it with @MessagePattern and answers a ForwardOutcome. */
export const KAFKA_RECORD = 'kafka.record';

/** What became of a record; all but abandoned records count as done (filtered: --filter did not match). */
export type ForwardOutcome = 'delivered' | 'dead-lettered' | 'filtered' | 'abandoned';

export const recordId = (record: Pick<ForwardRecord, 'topic' | 'partition' | 'offset'>) =>
  `${record.topic}-${record.partition}-${record.offset}`;
