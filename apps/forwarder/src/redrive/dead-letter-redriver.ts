import { KAFKA_CLIENT, KafkaAdmin, KafkaProducer, toKafkaError } from '@app/kafka';
import { Inject, Injectable } from '@nestjs/common';
import type { EachBatchPayload, Kafka } from 'kafkajs';
import { retryTransient } from '../replay/retry-transient';
import { REDRIVE_OPTIONS, type RedriveOptions } from './redrive-options';
import { decide, redrivenHeaders, RedriveSummary } from './redrive-selection';

const PRODUCE_TIMEOUT_MS = 30_000;

/** A redrive Kafka would not allow; exit 1 with this line. */
export class RedriveRefused extends Error {
  override readonly name = 'RedriveRefused';
}

/**
 * `redrive`: reads a dead-letter topic in its own consumer group, from the group's committed
 * offsets up to the end offsets seen at start, re-produces the selected records to their
 * original topic and commits each batch only after Kafka acknowledged its records, so a second
 * run sends nothing twice (a crash between the two re-sends at most one batch: at least once).
 */
@Injectable()
export class DeadLetterRedriver {
  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly admin: KafkaAdmin,
    private readonly producer: KafkaProducer,
    @Inject(REDRIVE_OPTIONS) private readonly options: RedriveOptions,
  ) {}

  async run(): Promise<RedriveSummary> {
    const { topic, group } = this.options;
    const summary = new RedriveSummary(this.options);
    const [first, end, committed] = await retryTransient(
      async () => {
        await this.admin.partitions(topic, 10_000);
        const state = await this.admin.groupState(group);
        if (state.members > 0)
          throw new RedriveRefused(
            `refused: group "${group}" has ${state.members} running member(s); is another redrive of ${topic} running?`,
          );
        return Promise.all([
          this.admin.offsetsAt(topic, 'earliest'),
          this.admin.offsetsAt(topic, 'latest'),
          this.admin.committedOffsets(group, topic),
        ]);
      },
      { attempts: 6 },
    );
    const left = new Map<number, bigint>();
    for (const [partition, stopAt] of end) {
      const from = committed.get(partition) ?? first.get(partition) ?? 0n;
      if (from < stopAt) left.set(partition, stopAt);
    }
    if (left.size > 0) await this.consume(left, summary);
    return summary;
  }

  /** Reads each partition up to its end offset (exclusive), then stops. */
  private async consume(stopAt: Map<number, bigint>, summary: RedriveSummary): Promise<void> {
    const { topic, group, dryRun, maxMessages } = this.options;
    const consumer = this.kafka.consumer({
      groupId: group,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 500,
      retry: { retries: 5 },
    });
    let finish!: (error?: unknown) => void;
    const finished = new Promise<void>(
      (resolve, reject) => (finish = (error) => (error === undefined ? resolve() : reject(toKafkaError(error, topic)))),
    );
    const done = (partition: number) => {
      stopAt.delete(partition);
      consumer.pause([{ topic, partitions: [partition] }]);
      if (stopAt.size === 0) finish();
    };
    // eslint-disable-next-line @typescript-eslint/unbound-method -- kafkajs builds these as closures (consumer/runner.js), not methods
    const eachBatch = async ({ batch, heartbeat, isRunning, isStale }: EachBatchPayload) => {
      const { partition } = batch;
      const end = stopAt.get(partition);
      if (end === undefined) return;
      const writes: Promise<unknown>[] = [];
      let next: bigint | undefined;
      let stop = false;
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break;
        const offset = BigInt(message.offset);
        if (offset >= end) {
          stop = true;
          break;
        }
        const record = { partition, offset, timestamp: Number(message.timestamp), headers: message.headers ?? {} };
        const decision = decide(record, this.options);
        if (decision.action === 'stop') {
          summary.count(record, decision);
          stop = true;
          break;
        }
        if (decision.action === 'redrive' && maxMessages !== undefined && summary.redrivenCount >= maxMessages) {
          stop = true;
          break;
        }
        summary.count(record, decision);
        if (decision.action === 'redrive' && !dryRun) {
          writes.push(
            this.producer.produce(
              {
                topic: decision.destination,
                key: message.key,
                value: message.value,
                headers: redrivenHeaders(message.headers ?? {}, decision.redriveCount),
              },
              PRODUCE_TIMEOUT_MS,
            ),
          );
        }
        next = offset + 1n;
      }
      // Committed only once every record before it is acknowledged where it went.
      await Promise.all(writes);
      if (next !== undefined && !dryRun) await consumer.commitOffsets([{ topic, partition, offset: String(next) }]);
      // The batch's last offset, not the last record read: a compacted tail leaves gaps before the end.
      const reachedEnd = next === end || (!stop && batch.messages.length > 0 && BigInt(batch.lastOffset()) + 1n >= end);
      if (stop || reachedEnd || (maxMessages !== undefined && summary.redrivenCount >= maxMessages)) {
        if (maxMessages !== undefined && summary.redrivenCount >= maxMessages) [...stopAt.keys()].forEach(done);
        else done(partition);
      }
      await heartbeat();
    };
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      consumer.on(consumer.events.CRASH, ({ payload }) => finish(payload.error));
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => eachBatch(payload).catch((error: unknown) => finish(error)),
      });
      await finished;
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
  }
}
