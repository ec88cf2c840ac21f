import type { Kafka, ProducerBatch, RecordMetadata } from 'kafkajs';
import { KafkaTimeoutError, KafkaUnavailableError, RecordTooLargeError, UnknownTopicError } from './kafka-errors';
import { ProducerLane, type Outgoing } from './producer-lane';

/** A kafkajs producer at the client boundary: it appends to an in-memory log, or fails as told. */
class FakeProducer {
  readonly sent: ProducerBatch[] = [];
  failNext?: Error;
  omitOffsets = false;
  logAppendTime = '-1';
  private inFlight?: () => void;
  holdNext = false;

  constructor(private readonly log: Map<string, number>) {}

  connect = jest.fn(async () => undefined);
  disconnect = jest.fn(async () => undefined);
  sendBatch = jest.fn(async (batch: ProducerBatch): Promise<RecordMetadata[]> => {
    this.sent.push(batch);
    if (this.holdNext) {
      this.holdNext = false;
      await new Promise<void>((resolve) => (this.inFlight = resolve));
    }
    if (this.failNext !== undefined) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    const answers: RecordMetadata[] = [];
    for (const { topic, messages } of batch.topicMessages!) {
      const byPartition = new Map<number, number>();
      for (const message of messages)
        byPartition.set(message.partition!, (byPartition.get(message.partition!) ?? 0) + 1);
      for (const [partition, count] of byPartition) {
        const id = `${topic}/${partition}`;
        const base = this.log.get(id) ?? 0;
        this.log.set(id, base + count);
        answers.push({
          topicName: topic,
          partition,
          errorCode: 0,
          baseOffset: this.omitOffsets ? undefined : String(base),
          logAppendTime: this.logAppendTime,
          logStartOffset: '0',
        });
      }
    }
    return answers;
  });

  release(): void {
    this.inFlight?.();
  }
}

function setup(options: { batchMaxRecords?: number } = {}) {
  const log = new Map<string, number>();
  const producers: FakeProducer[] = [];
  const kafka = {
    producer: jest.fn(() => {
      const producer = new FakeProducer(log);
      producers.push(producer);
      return producer;
    }),
  };
  const logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const stop = new AbortController();
  const unknownTopics: string[] = [];
  const lane = new ProducerLane(
    'Producer',
    kafka as unknown as Kafka,
    {
      batchMaxRecords: options.batchMaxRecords ?? 100,
      batchMaxBytes: 1_000_000,
      maxQueuedRecords: 1_000,
      compression: 'none',
      ackTimeoutMs: 5_000,
    },
    logger,
    stop.signal,
    (topic) => unknownTopics.push(topic),
  );
  return { lane, kafka, producers, current: () => producers.at(-1)!, logger, stop, unknownTopics };
}

const record = (topic: string, partition: number, value: string, timestamp = '1764266400000'): Outgoing => ({
  topic,
  partition,
  message: { key: null, value, partition, timestamp },
});

/** A kafkajs error as the client throws it after its retries: the broker's answer innermost. */
const kafkaJsError = (type: string, retriable: boolean) =>
  Object.assign(new Error('retries exhausted'), {
    name: 'KafkaJSNumberOfRetriesExceeded',
    retriable: false,
    originalError: Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type, retriable }),
  });

/** Runs queued microtasks and one turn of the event loop. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ProducerLane', () => {
  it('accepts nothing until connected, then writes with acks from all in-sync replicas', async () => {
    const { lane, current } = setup();
    expect(lane.isAccepting).toBe(false);
    expect(lane.connectProblem).toBe('not connected yet');
    await lane.connect();
    expect(lane.isConnected).toBe(true);
    await expect(lane.submit(record('orders', 0, 'a'), 1_000)).resolves.toEqual({
      topic: 'orders',
      partition: 0,
      offset: 0,
      timestamp: '2025-11-27T18:00:00.000Z',
    });
    expect(current().sent[0]).toMatchObject({ acks: -1, timeout: 5_000 });
  });

  it('sends what arrives during a write as one request, and gives each record its own offset', async () => {
    const { lane, current } = setup();
    await lane.connect();
    current().holdNext = true;
    const first = lane.submit(record('orders', 0, 'first'), 1_000);
    await tick();
    const rest = [
      record('orders', 0, 'b'),
      record('orders', 1, 'c'),
      record('orders', 0, 'd'),
      record('audit', 0, 'e'),
    ].map((r) => lane.submit(r, 1_000));
    expect(lane.pending).toBe(5);
    current().release();
    await first;
    const results = await Promise.all(rest);
    expect(current().sendBatch).toHaveBeenCalledTimes(2);
    expect(current().sent[1].topicMessages!.map((t) => [t.topic, t.messages.map((m) => m.value)])).toEqual([
      ['orders', ['b', 'c', 'd']],
      ['audit', ['e']],
    ]);
    expect(results.map((r) => `${r.topic}/${r.partition}@${r.offset}`)).toEqual([
      'orders/0@1',
      'orders/1@0',
      'orders/0@2',
      'audit/0@0',
    ]);
    expect(lane.pending).toBe(0);
  });

  it("reports the broker's append time when the topic uses LogAppendTime", async () => {
    const { lane, current } = setup();
    await lane.connect();
    current().logAppendTime = String(Date.UTC(2026, 0, 2, 3, 4, 5));
    await expect(lane.submit(record('orders', 0, 'a'), 1_000)).resolves.toMatchObject({
      timestamp: '2026-01-02T03:04:05.000Z',
    });
  });

  it('turns a retriable failure into "may have been written" and replaces the producer, still accepting meanwhile', async () => {
    const { lane, kafka, producers, logger } = setup();
    await lane.connect();
    const first = producers[0];
    first.failNext = kafkaJsError('NOT_ENOUGH_REPLICAS', true);
    const failed = lane.submit(record('orders', 0, 'a'), 1_000);
    await expect(failed).rejects.toThrow(KafkaTimeoutError);
    await expect(failed).rejects.toMatchObject({ mayHaveBeenWritten: true });
    expect(lane.isAccepting).toBe(true);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('Produce of 1 record(s) failed'));
    await tick();
    // A new producer id: the failed request's sequence numbers can never be reused.
    expect(kafka.producer).toHaveBeenCalledTimes(2);
    expect(first.disconnect).toHaveBeenCalled();
    expect(producers[1].connect).toHaveBeenCalled();
    await expect(lane.submit(record('orders', 0, 'b'), 1_000)).resolves.toMatchObject({ offset: 0 });
    expect(producers[1].sent).toHaveLength(1);
  });

  it('passes on a failure that concerns the record itself as it is', async () => {
    const { lane, current } = setup();
    await lane.connect();
    current().failNext = kafkaJsError('MESSAGE_TOO_LARGE', false);
    await expect(lane.submit(record('orders', 0, 'big'), 1_000)).rejects.toThrow(RecordTooLargeError);
  });

  it('reports an unknown topic so its metadata is forgotten', async () => {
    const { lane, current, unknownTopics } = setup();
    await lane.connect();
    current().failNext = kafkaJsError('UNKNOWN_TOPIC_OR_PARTITION', true);
    await expect(lane.submit(record('gone', 0, 'a'), 1_000)).rejects.toThrow(UnknownTopicError);
    expect(unknownTopics).toEqual(['gone']);
  });

  it('fails a write the broker acknowledged without an offset rather than invent one', async () => {
    const { lane, current } = setup();
    await lane.connect();
    current().omitOffsets = true;
    await expect(lane.submit(record('orders', 0, 'a'), 1_000)).rejects.toThrow(KafkaUnavailableError);
  });

  it('does not replace the producer once stopping', async () => {
    const { lane, kafka, current, stop } = setup();
    await lane.connect();
    stop.abort();
    current().failNext = kafkaJsError('NOT_ENOUGH_REPLICAS', true);
    await expect(lane.submit(record('orders', 0, 'a'), 1_000)).rejects.toThrow(KafkaTimeoutError);
    await tick();
    expect(kafka.producer).toHaveBeenCalledTimes(1);
  });

  it('refuses records while a connection attempt fails, and says why', async () => {
    const { lane, current, stop } = setup();
    current().connect.mockRejectedValueOnce(
      Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), {
        name: 'KafkaJSConnectionError',
        code: 'ECONNREFUSED',
        broker: '127.0.0.1:9092',
      }),
    );
    const connecting = lane.connect();
    await tick();
    expect(lane.isAccepting).toBe(false);
    expect(lane.connectProblem).toBe(
      'cannot reach Kafka at 127.0.0.1:9092: connection refused (no broker listens there)',
    );
    stop.abort();
    await connecting;
    expect(lane.isConnected).toBe(false);
  });

  it('on close, waits for what is in flight, then disconnects', async () => {
    const { lane, current } = setup();
    await lane.connect();
    current().holdNext = true;
    const written = lane.submit(record('orders', 0, 'a'), 5_000);
    await tick();
    const closing = lane.close(5_000);
    await tick();
    expect(current().disconnect).not.toHaveBeenCalled();
    current().release();
    await expect(closing).resolves.toBe(0);
    await expect(written).resolves.toMatchObject({ offset: 0 });
    expect(current().disconnect).toHaveBeenCalled();
  });

  it('on close, gives up on a write that does not finish in time and says how many were left', async () => {
    const { lane, current } = setup();
    await lane.connect();
    current().holdNext = true;
    const written = lane.submit(record('orders', 0, 'a'), 5_000).catch((error: unknown) => error);
    await tick();
    await expect(lane.close(20)).resolves.toBe(1);
    expect(current().disconnect).toHaveBeenCalled();
    current().release();
    await written;
  });
});
