import { PRODUCT } from '@app/config';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { KAFKA_CLIENT } from './kafka.constants';
import { keepConnecting } from './kafka-connector';
import { KafkaUnavailableError } from './kafka-errors';

/** One record as a TopicReader hands it over, in offset order within its partition. */
export interface TopicRecord {
  partition: number;
  offset: number;
  /** Milliseconds since the epoch, as the log holds it (the broker's with LogAppendTime). */
  timestamp: number;
  key: string | null;
  value: Buffer | null;
}

export interface TopicReaderOptions {
  topic: string;
  /** Called once per record, in offset order within each partition. */
  onRecord: (record: TopicRecord) => void;
  /** Runs (again) before each start of the consumer, e.g. to create the topic. */
  prepare?: () => Promise<void>;
}

interface Waiter {
  offset: number;
  resolve: () => void;
}

/**
 * Reads one topic from its beginning, all partitions, and keeps reading: a local copy of a log
 * that every replica sees in the same order. kafkajs needs a group to consume, so each reader
 * joins a group of its own (a random id, so it gets every partition) and never commits: a
 * restart, or the consumer's own restart after an outage, reads from the beginning again, and
 * records already handed over are skipped by offset.
 */
export class TopicReader {
  private readonly logger = new Logger(TopicReader.name);
  private readonly positions = new Map<number, number>();
  private readonly highWatermarks = new Map<number, number>();
  private readonly waiters = new Map<number, Waiter[]>();
  private readonly joinWaiters = new Set<() => void>();
  private readonly stopping = new AbortController();
  private consumer?: Consumer;
  private running = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: TopicReaderOptions,
  ) {}

  /** True while the consumer is in its group (it keeps trying to start while Kafka is away). */
  get isRunning(): boolean {
    return this.running;
  }

  /** Resolves once the consumer is in its group; rejects with KafkaUnavailableError after `timeoutMs`. */
  whenRunning(timeoutMs: number): Promise<void> {
    if (this.running) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.joinWaiters.delete(joined);
        reject(
          new KafkaUnavailableError(`Not reading ${this.options.topic} yet (still joining after ${timeoutMs} ms).`),
        );
      }, timeoutMs);
      const joined = () => {
        clearTimeout(timer);
        resolve();
      };
      this.joinWaiters.add(joined);
    });
  }

  /** Records in the log that this reader has not handed over yet, as of the last fetch. */
  get lag(): number {
    let lag = 0;
    for (const [partition, high] of this.highWatermarks)
      lag += Math.max(0, high - (this.positions.get(partition) ?? 0));
    return lag;
  }

  /** Resolves once the record at `offset` of `partition` (and all before it) has been handed over. */
  waitUntilRead(partition: number, offset: number, timeoutMs: number): Promise<void> {
    if ((this.positions.get(partition) ?? 0) > offset) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const list = this.waiters.get(partition) ?? [];
      this.waiters.set(partition, list);
      const timer = setTimeout(() => {
        const at = list.indexOf(waiter);
        if (at >= 0) list.splice(at, 1);
        reject(
          new KafkaUnavailableError(
            `Reading ${this.options.topic} did not reach partition ${partition} offset ${offset} within ${timeoutMs} ms.`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        offset,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      list.push(waiter);
    });
  }

  /** Starts in the background and keeps retrying until `stop`. */
  start(): void {
    void keepConnecting('Reader of ' + this.options.topic, () => this.run(), this.logger, this.stopping.signal);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.running = false;
    await this.consumer?.disconnect().catch(() => undefined);
  }

  private async run(): Promise<void> {
    await this.options.prepare?.();
    const consumer = this.kafka.consumer({
      groupId: `${PRODUCT}.reader.${this.options.topic}.${randomBytes(8).toString('hex')}`,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 1_000,
      // A reader has nothing to hand back to a group, so it restarts after any crash; short
      // retries, so that it is back within seconds of Kafka (its callers wait for it).
      retry: { initialRetryTime: 200, maxRetryTime: 1_000, retries: 3, restartOnFailure: () => Promise.resolve(true) },
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.running = true;
      for (const joined of this.joinWaiters) joined();
      this.joinWaiters.clear();
    });
    consumer.on(consumer.events.CRASH, () => (this.running = false));
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [this.options.topic], fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatch: (payload) => this.onBatch(payload) });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    this.consumer = consumer;
    if (this.stopping.signal.aborted) await this.stop();
  }

  private onBatch({ batch }: EachBatchPayload): Promise<void> {
    const { partition } = batch;
    let position = this.positions.get(partition) ?? 0;
    for (const message of batch.messages) {
      const offset = Number(message.offset);
      if (offset < position) continue;
      this.options.onRecord({
        partition,
        offset,
        timestamp: Number(message.timestamp),
        key: message.key ? message.key.toString() : null,
        value: message.value,
      });
      position = offset + 1;
    }
    this.positions.set(partition, position);
    this.highWatermarks.set(partition, Number(batch.highWatermark));
    this.wake(partition, position);
    return Promise.resolve();
  }

  private wake(partition: number, position: number): void {
    const list = this.waiters.get(partition);
    if (!list || list.length === 0) return;
    // In place: a waiter's timer removes it from this same array.
    let kept = 0;
    for (const waiter of list) {
      if (waiter.offset < position) waiter.resolve();
      else list[kept++] = waiter;
    }
    list.length = kept;
  }
}

/** Makes TopicReaders on the app's Kafka client and stops them at shutdown. */
@Injectable()
export class KafkaTopicReaders implements OnApplicationShutdown {
  private readonly readers: TopicReader[] = [];

  constructor(@Inject(KAFKA_CLIENT) private readonly kafka: Kafka) {}

  /** A reader of the topic, started. */
  follow(options: TopicReaderOptions): TopicReader {
    const reader = new TopicReader(this.kafka, options);
    this.readers.push(reader);
    reader.start();
    return reader;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.readers.map((reader) => reader.stop()));
  }
}
