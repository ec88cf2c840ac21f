import type { EachBatchPayload, Kafka } from 'kafkajs';
import { KafkaUnavailableError } from './kafka-errors';
import { TopicReader, type TopicRecord } from './kafka-topic-reader';

/** A kafkajs client whose one consumer hands over the batches the test gives it. */
function fakeKafka() {
  const handlers: Record<string, () => void> = {};
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  const groupIds: string[] = [];
  const kafka = {
    consumer: ({ groupId }: { groupId: string }) => {
      groupIds.push(groupId);
      return {
        events: { GROUP_JOIN: 'join', CRASH: 'crash' },
        on: (event: string, handler: () => void) => (handlers[event] = handler),
        connect: () => Promise.resolve(),
        subscribe: () => Promise.resolve(),
        run: (options: { eachBatch: typeof eachBatch }) => {
          eachBatch = options.eachBatch;
          return Promise.resolve();
        },
        disconnect: () => Promise.resolve(),
      };
    },
  } as unknown as Kafka;
  const batch = (partition: number, offsets: number[], highWatermark: number) =>
    eachBatch!({
      batch: {
        partition,
        highWatermark: String(highWatermark),
        messages: offsets.map((o) => ({
          offset: String(o),
          timestamp: '1000',
          key: Buffer.from(`k${o}`),
          value: null,
        })),
      },
    } as unknown as EachBatchPayload);
  return { kafka, handlers, batch, groupIds, started: () => eachBatch !== undefined };
}

describe('TopicReader', () => {
  const until = async (condition: () => boolean) => {
    while (!condition()) await new Promise((resolve) => setImmediate(resolve));
  };

  it('hands over each record once, in order, even when the consumer reads from the beginning again', async () => {
    const fake = fakeKafka();
    const seen: TopicRecord[] = [];
    const reader = new TopicReader(fake.kafka, { topic: 't', onRecord: (r) => seen.push(r) });
    reader.start();
    await until(fake.started);
    await fake.batch(0, [0, 1], 2);
    await fake.batch(0, [0, 1, 2], 3);
    expect(seen.map((r) => [r.partition, r.offset, r.key])).toEqual([
      [0, 0, 'k0'],
      [0, 1, 'k1'],
      [0, 2, 'k2'],
    ]);
    await reader.stop();
  });

  it('joins a group of its own, and says when it runs', async () => {
    const [a, b] = [fakeKafka(), fakeKafka()];
    for (const fake of [a, b]) new TopicReader(fake.kafka, { topic: 't', onRecord: () => undefined }).start();
    await until(() => a.started() && b.started());
    expect(a.groupIds[0]).toMatch(/^kafka-http-gateway\.reader\.t\./);
    expect(a.groupIds[0]).not.toBe(b.groupIds[0]);
  });

  it('resolves a wait once the offset is read, reports its lag, and gives up after the timeout', async () => {
    const fake = fakeKafka();
    const reader = new TopicReader(fake.kafka, { topic: 't', onRecord: () => undefined });
    reader.start();
    await until(fake.started);
    const running = reader.whenRunning(60_000);
    fake.handlers.join();
    await running;
    expect(reader.isRunning).toBe(true);
    const read = reader.waitUntilRead(1, 4, 60_000);
    await fake.batch(1, [3], 10);
    expect(reader.lag).toBe(6);
    await fake.batch(1, [4], 10);
    await read;
    await expect(reader.waitUntilRead(1, 9, 10)).rejects.toBeInstanceOf(KafkaUnavailableError);
    await reader.stop();
  });
});
