import {
  KafkaAdmin,
  KafkaAuthorizationError,
  KafkaProducer,
  KafkaUnavailableError,
  UnknownTopicError,
  type RecordToProduce,
} from '@app/kafka';
import { METRICS_REGISTRY } from '@app/observability';
import { Test } from '@nestjs/testing';
import { Registry } from 'prom-client';
import { ForwardStats } from '../stats/forward-stats';
import type { ForwardRecord } from '../transport/forward-record';
import { CLOCK } from './clock';
import { ForwardingStop } from '../forwarding-stop';
import { DEAD_LETTER_TOPIC, DeadLetterPublisher, SOURCE_TOPIC } from './dead-letter-publisher';
import { FakeClock, settle } from '../testing/fake-clock';

const record: ForwardRecord = {
  topic: 'orders',
  partition: 2,
  offset: 41n,
  key: Buffer.from('customer-7'),
  value: Buffer.from('{"id":7}'),
  headers: { traceparent: '00-aa-bb-01', source: Buffer.from('web'), dropped: undefined },
  timestamp: Date.UTC(2026, 10, 27, 18, 0, 0),
};
const rejected = { outcome: 'rejected', error: 'HTTP 400 from the target', status: 400, attempts: 1 } as const;
const exhausted = { outcome: 'exhausted', error: 'no answer within 10s', status: undefined, attempts: 4 } as const;

/** A producer whose writes fail `failures` times, then succeed; it keeps what it was given. */
function fakeProducer(failures = 0) {
  const writes: RecordToProduce[] = [];
  let left = failures;
  return {
    writes,
    produce: jest.fn(async (write: RecordToProduce) => {
      writes.push(write);
      if (left-- > 0) throw new KafkaUnavailableError('Kafka is unavailable (broker down).');
      return { topic: write.topic, partition: 0, offset: writes.length, timestamp: '' };
    }),
  };
}

async function setup(producer = fakeProducer(), admin = fakeAdmin({ orders: 6, 'orders.dlq': 6 })) {
  const clock = new FakeClock();
  const stop = new AbortController();
  const moduleRef = await Test.createTestingModule({
    providers: [
      DeadLetterPublisher,
      ForwardStats,
      { provide: KafkaProducer, useValue: producer },
      { provide: DEAD_LETTER_TOPIC, useValue: 'orders.dlq' },
      { provide: CLOCK, useValue: clock },
      { provide: METRICS_REGISTRY, useValue: new Registry() },
      { provide: KafkaAdmin, useValue: admin },
      { provide: SOURCE_TOPIC, useValue: 'orders' },
      { provide: ForwardingStop, useValue: { signal: stop.signal } },
    ],
  }).compile();
  const publisher = moduleRef.get(DeadLetterPublisher);
  publisher['logger'].warn = jest.fn();
  publisher['logger'].log = jest.fn();
  return {
    publisher,
    producer,
    clock,
    stats: moduleRef.get(ForwardStats),
    logger: publisher['logger'],
    moduleRef,
    admin,
    stop,
  };
}

/** A partition pause that counts how often it was paused and resumed. */
function pauseProbe() {
  const probe = { paused: 0, resumed: 0, pause: () => (probe.paused++, () => void probe.resumed++) };
  return probe;
}

/** An admin client: the given topics exist with that many partitions, anything else is unknown. */
function fakeAdmin(topics: Record<string, number>, overrides: Partial<Record<'createTopic', jest.Mock>> = {}) {
  return {
    isConnected: true,
    partitions: jest.fn(async (topic: string) => {
      if (topics[topic] === undefined) throw new UnknownTopicError(topic);
      return Array.from({ length: topics[topic] }, (_, partitionId) => ({ partitionId }));
    }),
    createTopic: overrides.createTopic ?? jest.fn(async () => true),
  };
}

/** Whether the promise is done once pending work has run: a hang fails at once, not by the test's timeout. */
async function isDone(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await settle();
  return done;
}

describe('DeadLetterPublisher', () => {
  it('writes the record as it was, with headers saying why, and counts it', async () => {
    const { publisher, producer, clock, stats } = await setup();
    const probe = pauseProbe();
    await expect(publisher.publish(record, rejected, new AbortController().signal, probe.pause)).resolves.toBe(true);
    expect(producer.writes).toEqual([
      {
        topic: 'orders.dlq',
        key: record.key,
        value: record.value,
        headers: {
          traceparent: '00-aa-bb-01',
          source: Buffer.from('web'),
          'dlq-reason': 'rejected',
          'dlq-error': 'HTTP 400 from the target',
          'dlq-status': '400',
          'dlq-attempts': '1',
          'dlq-original-topic': 'orders',
          'dlq-original-partition': '2',
          'dlq-original-offset': '41',
          'dlq-original-timestamp': '2026-11-27T18:00:00.000Z',
          'dlq-failed-at': new Date(clock.now()).toISOString(),
        },
      },
    ]);
    expect(stats.deadLettered).toBe(1);
    expect(stats.rejected).toBe(1);
    expect(probe.paused).toBe(0);
  });

  it('leaves dlq-status empty when the target never answered', async () => {
    const { publisher, producer, stats } = await setup();
    await publisher.publish(record, exhausted, new AbortController().signal, pauseProbe().pause);
    expect(producer.writes[0].headers).toMatchObject({
      'dlq-reason': 'exhausted',
      'dlq-status': '',
      'dlq-attempts': '4',
    });
    expect(stats.exhausted).toBe(1);
  });

  it('keeps retrying a failed write with doubling delays, its partition paused once, and resumes it after success', async () => {
    const { publisher, producer, clock, stats, logger } = await setup(fakeProducer(7));
    const probe = pauseProbe();
    let result: boolean | undefined;
    void publisher.publish(record, rejected, new AbortController().signal, probe.pause).then((r) => (result = r));
    await settle();
    const attemptsAt: number[] = [];
    for (const waitMs of [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]) {
      attemptsAt.push(producer.produce.mock.calls.length);
      await clock.advance(waitMs - 1);
      expect(producer.produce).toHaveBeenCalledTimes(attemptsAt.at(-1)!);
      await clock.advance(1);
    }
    expect(attemptsAt).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(result).toBe(true);
    expect(producer.produce).toHaveBeenCalledTimes(8);
    expect(probe).toMatchObject({ paused: 1, resumed: 1 });
    expect(stats.dlqFailures).toBe(7);
    expect(stats.deadLettered).toBe(1);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('orders-2-41'));
  });

  it('gives up when stopped: the record is not done, and its partition is resumed', async () => {
    const { publisher, producer, clock, stats } = await setup(fakeProducer(Infinity));
    const probe = pauseProbe();
    const stop = new AbortController();
    const result = publisher.publish(record, rejected, stop.signal, probe.pause);
    await clock.advance(3_000);
    stop.abort();
    await expect(result).resolves.toBe(false);
    expect(producer.produce).toHaveBeenCalledTimes(3);
    expect(probe).toMatchObject({ paused: 1, resumed: 1 });
    expect(stats.deadLettered).toBe(0);
  });

  describe('ensureTopic', () => {
    it('creates the missing dead-letter topic with as many partitions as the source', async () => {
      const { publisher, logger } = await setup();
      const admin = fakeAdmin({ orders: 6 });
      expect(
        await isDone(publisher.ensureTopic('orders', admin as unknown as KafkaAdmin, new AbortController().signal)),
      ).toBe(true);
      expect(admin.createTopic).toHaveBeenCalledWith('orders.dlq', { partitions: 6 });
      expect(logger.log).toHaveBeenCalledWith('Created dead-letter topic "orders.dlq" (6 partitions)');
    });

    it('leaves an existing dead-letter topic alone', async () => {
      const { publisher } = await setup();
      const admin = fakeAdmin({ orders: 6, 'orders.dlq': 1 });
      expect(
        await isDone(publisher.ensureTopic('orders', admin as unknown as KafkaAdmin, new AbortController().signal)),
      ).toBe(true);
      expect(admin.createTopic).not.toHaveBeenCalled();
    });

    it('says once that it may not create the topic, and stops trying', async () => {
      const { publisher, logger } = await setup();
      const createTopic = jest.fn(async () => {
        throw new KafkaAuthorizationError('Kafka refused access (TOPIC_AUTHORIZATION_FAILED).');
      });
      const admin = fakeAdmin({ orders: 6 }, { createTopic });
      expect(
        await isDone(publisher.ensureTopic('orders', admin as unknown as KafkaAdmin, new AbortController().signal)),
      ).toBe(true);
      expect(createTopic).toHaveBeenCalledTimes(1);
      expect(logger.warn).toHaveBeenCalledWith(
        'Cannot create dead-letter topic "orders.dlq": Kafka refused access (TOPIC_AUTHORIZATION_FAILED).',
      );
    });

    it('waits for the admin client and retries failed lookups until the topic exists', async () => {
      const { publisher, clock } = await setup();
      const admin = fakeAdmin({});
      admin.isConnected = false;
      let done = false;
      void publisher
        .ensureTopic('orders', admin as unknown as KafkaAdmin, new AbortController().signal)
        .then(() => (done = true));
      await clock.advance(1_000);
      expect(admin.partitions).not.toHaveBeenCalled();
      admin.isConnected = true;
      await clock.advance(250);
      // Connected now, but the source topic does not exist yet: the lookup fails and is retried.
      expect(admin.createTopic).not.toHaveBeenCalled();
      expect(done).toBe(false);
      admin.partitions.mockImplementation(async (topic: string) => {
        if (topic === 'orders') return [{ partitionId: 0 }, { partitionId: 1 }];
        throw new UnknownTopicError(topic);
      });
      await clock.advance(250);
      expect(done).toBe(true);
      expect(admin.createTopic).toHaveBeenCalledWith('orders.dlq', { partitions: 2 });
    });

    it('is ensured on application bootstrap, with as many partitions as the forwarded topic', async () => {
      const admin = fakeAdmin({ orders: 3 });
      const { moduleRef } = await setup(undefined, admin);
      await moduleRef.init();
      await settle();
      expect(admin.createTopic).toHaveBeenCalledWith('orders.dlq', { partitions: 3 });
    });

    it('does not hold bootstrap back while Kafka is away, and gives up when the run stops', async () => {
      const admin = fakeAdmin({ orders: 3 });
      admin.isConnected = false;
      const { moduleRef, clock, stop } = await setup(undefined, admin);
      expect(await isDone(moduleRef.init())).toBe(true);
      await clock.advance(5_000);
      expect(admin.partitions).not.toHaveBeenCalled();
      stop.abort();
      await clock.advance(250);
      admin.isConnected = true;
      await clock.advance(5_000);
      expect(admin.partitions).not.toHaveBeenCalled();
      expect(admin.createTopic).not.toHaveBeenCalled();
    });

    it('holds the first dead-letter write until the topic is ready, for at most 15 s', async () => {
      const { publisher, producer, clock } = await setup();
      const admin = fakeAdmin({});
      admin.isConnected = false;
      void publisher.ensureTopic('orders', admin as unknown as KafkaAdmin, new AbortController().signal);
      void publisher.publish(record, rejected, new AbortController().signal, pauseProbe().pause);
      await clock.advance(14_999);
      expect(producer.produce).not.toHaveBeenCalled();
      await clock.advance(1);
      expect(producer.produce).toHaveBeenCalledTimes(1);
    });
  });
});
