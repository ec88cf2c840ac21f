import { KafkaAdmin, KafkaAuthorizationError, KafkaProducer, UnknownTopicError } from '@app/kafka';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ForwardingStop } from '../forwarding-stop';
import { ForwardStats } from '../stats/forward-stats';
import { recordId, type ForwardRecord } from '../transport/forward-record';
import { CLOCK, type Clock } from './clock';
import type { DispatchResult } from './retrying-dispatcher';

export const DEAD_LETTER_TOPIC = Symbol('DEAD_LETTER_TOPIC');
/** The topic being forwarded: a dead-letter topic created at start-up gets as many partitions. */
export const SOURCE_TOPIC = Symbol('SOURCE_TOPIC');

/** A record in the Schema Registry wire format that its schema cannot read (see RecordDecoder). */
export interface UndecodableRecord {
  outcome: 'undecodable';
  status?: undefined;
  attempts: number;
  error: string;
}

type Failure = Extract<DispatchResult, { outcome: 'rejected' | 'exhausted' }> | UndecodableRecord;

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;
const PRODUCE_TIMEOUT_MS = 30_000;
/** How long a first dead-letter write waits for the topic to be created at start-up. */
const TOPIC_READY_WAIT_MS = 15_000;

/**
 * Writes a record that could not be delivered to the dead-letter topic: its key, value and
 * headers as they were, plus headers saying why. Until that write is acknowledged the record is
 * not done: it keeps trying, with its partition paused, and is never committed past.
 */
@Injectable()
export class DeadLetterPublisher implements OnApplicationBootstrap {
  private readonly logger = new Logger(DeadLetterPublisher.name);
  private topicReady: Promise<void> = Promise.resolve();

  constructor(
    private readonly producer: KafkaProducer,
    @Inject(DEAD_LETTER_TOPIC) private readonly topic: string,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly stats: ForwardStats,
    private readonly admin: KafkaAdmin,
    @Inject(SOURCE_TOPIC) private readonly source: string,
    private readonly stop: ForwardingStop,
  ) {}

  /** Starts creating the dead-letter topic without holding start-up back: Kafka may be slow or away. */
  onApplicationBootstrap(): void {
    void this.ensureTopic(this.source, this.admin, this.stop.signal);
  }

  /** Resolves true once written; false when the signal aborted first (the record is not done). */
  async publish(
    record: ForwardRecord,
    failure: Failure,
    signal: AbortSignal,
    pausePartition: () => () => void,
  ): Promise<boolean> {
    const headers: Record<string, string | Buffer> = {};
    for (const [name, value] of Object.entries(record.headers)) if (value !== undefined) headers[name] = value;
    Object.assign(headers, {
      'dlq-reason': failure.outcome,
      'dlq-error': failure.error,
      'dlq-status': failure.status === undefined ? '' : String(failure.status),
      'dlq-attempts': String(failure.attempts),
      'dlq-original-topic': record.topic,
      'dlq-original-partition': String(record.partition),
      'dlq-original-offset': String(record.offset),
      'dlq-original-timestamp': new Date(record.timestamp).toISOString(),
      'dlq-failed-at': new Date(this.clock.now()).toISOString(),
    });
    let resume: (() => void) | undefined;
    let delay = FIRST_RETRY_MS;
    await Promise.race([this.topicReady, this.clock.sleep(TOPIC_READY_WAIT_MS, signal)]);
    try {
      while (!signal.aborted) {
        try {
          await this.producer.produce(
            { topic: this.topic, key: record.key, value: record.value, headers },
            PRODUCE_TIMEOUT_MS,
          );
          this.stats.recordDeadLetter(failure.outcome);
          return true;
        } catch (error) {
          this.stats.recordDeadLetterFailure();
          if (!resume) {
            this.logger.warn(
              `Cannot write ${recordId(record)} to dead-letter topic "${this.topic}" (${(error as Error).message}); pausing its partition and retrying`,
            );
            resume = pausePartition();
          }
          await this.clock.sleep(delay, signal);
          delay = Math.min(delay * 2, MAX_RETRY_MS);
        }
      }
      return false;
    } finally {
      resume?.();
    }
  }

  /**
   * Creates the dead-letter topic, with as many partitions as the source, if it does not exist,
   * so the first failure does not wait for an operator. Without the permission to create topics
   * it says so once; writes then keep retrying until someone creates it.
   */
  ensureTopic(source: string, admin: KafkaAdmin, signal: AbortSignal): Promise<void> {
    this.topicReady = this.createTopic(source, admin, signal);
    return this.topicReady;
  }

  private async createTopic(source: string, admin: KafkaAdmin, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        if (!admin.isConnected) throw new Error('not connected yet');
        if (await topicExists(admin, this.topic)) return;
        const partitions = (await admin.partitions(source, 5_000)).length;
        if (await admin.createTopic(this.topic, { partitions }))
          this.logger.log(`Created dead-letter topic "${this.topic}" (${partitions} partitions)`);
        return;
      } catch (error) {
        if (error instanceof KafkaAuthorizationError) {
          this.logger.warn(`Cannot create dead-letter topic "${this.topic}": ${(error as Error).message}`);
          return;
        }
        await this.clock.sleep(250, signal);
      }
    }
  }
}

/** Whether the topic exists: UnknownTopicError says no, any other error is passed on. */
async function topicExists(admin: KafkaAdmin, topic: string): Promise<boolean> {
  try {
    await admin.partitions(topic, 5_000);
    return true;
  } catch (error) {
    if (error instanceof UnknownTopicError) return false;
    throw error;
  }
}
