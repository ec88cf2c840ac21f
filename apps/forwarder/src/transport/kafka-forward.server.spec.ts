import type { KafkaAdmin } from '@app/kafka';
import type { ConsumerRunConfig, EachBatchPayload, Kafka } from 'kafkajs';
import type { ForwardContext } from './forward-context';
import { KAFKA_RECORD, type ForwardOutcome, type ForwardRecord } from './forward-record';
import type { ForwardStatus, ForwardTransportOptions } from './forward-transport-options';
import { KafkaForwardServer } from './kafka-forward.server';

/** A kafkajs consumer at the client boundary: the test plays the group coordinator and the fetcher. */
class FakeConsumer {
  readonly events = { GROUP_JOIN: 'group_join', REBALANCING: 'rebalancing', CRASH: 'crash', STOP: 'stop' };
  readonly commits: Array<Array<{ partition: number; offset: string }>> = [];
  readonly paused: number[][] = [];
  readonly resumed: number[][] = [];
  disconnected = false;
  private readonly listeners = new Map<string, (event: { payload: unknown }) => void>();
  private runConfig?: ConsumerRunConfig;

  on(event: string, listener: (event: { payload: unknown }) => void): void {
    this.listeners.set(event, listener);
  }
  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {}
  async run(config: ConsumerRunConfig): Promise<void> {
    this.runConfig = config;
  }
  pause(topics: Array<{ partitions?: number[] }>): void {
    this.paused.push(topics[0].partitions ?? []);
  }
  resume(topics: Array<{ partitions?: number[] }>): void {
    this.resumed.push(topics[0].partitions ?? []);
  }
  async commitOffsets(offsets: Array<{ partition: number; offset: string }>): Promise<void> {
    this.commits.push(offsets.map(({ partition, offset }) => ({ partition, offset })));
  }
  async disconnect(): Promise<void> {
    this.disconnected = true;
  }

  /** The coordinator assigns these partitions of the topic. */
  join(partitions: number[]): void {
    this.listeners.get(this.events.GROUP_JOIN)!({ payload: { memberAssignment: { orders: partitions } } });
  }

  /** kafkajs hands over a batch of the partition, offsets `from` to `to`. */
  async fetch(
    partition: number,
    from: number,
    to: number,
    heartbeat: () => Promise<void> = async () => undefined,
  ): Promise<void> {
    const messages = [];
    for (let offset = from; offset <= to; offset++)
      messages.push({
        offset: String(offset),
        key: Buffer.from(`k${offset}`),
        value: Buffer.from('{}'),
        headers: {},
        timestamp: '0',
        attributes: 0,
      });
    await this.runConfig!.eachBatch!({
      batch: { topic: 'orders', partition, highWatermark: String(to + 1), messages },
      resolveOffset: () => undefined,
      heartbeat,
      isRunning: () => true,
      isStale: () => false,
    } as unknown as EachBatchPayload);
  }
}

const options: ForwardTransportOptions = {
  topic: 'orders',
  groupId: 'g',
  ordering: 'key',
  workers: 16,
  maxPending: 100,
  sessionTimeoutMs: 10_000,
  commitIntervalMs: 60_000,
  rebalanceDrainMs: 1_000,
  shutdownTimeoutMs: 500,
};

describe('KafkaForwardServer', () => {
  let consumer: FakeConsumer;
  let server: KafkaForwardServer;
  let statuses: ForwardStatus[];
  /** Outcomes the test hands out, by offset; records without one wait for it. */
  let outcomes: Map<string, (outcome: ForwardOutcome) => void>;
  let contexts: Map<string, ForwardContext>;

  beforeEach(async () => {
    consumer = new FakeConsumer();
    const kafka = { consumer: () => consumer } as unknown as Kafka;
    const admin = {
      endOffsets: async () => new Map(),
      committedOffsets: async () => new Map(),
    } as unknown as KafkaAdmin;
    server = new KafkaForwardServer(kafka, options, admin);
    statuses = [];
    server.status.subscribe((status) => statuses.push(status));
    outcomes = new Map();
    contexts = new Map();
    server.addHandler(
      KAFKA_RECORD,
      async (record: ForwardRecord, context: ForwardContext) => {
        const id = `${record.partition}/${record.offset}`;
        contexts.set(id, context);
        return new Promise<ForwardOutcome>((resolve) => {
          outcomes.set(id, resolve);
          context.signal.addEventListener('abort', () => resolve('abandoned'));
        });
      },
      true,
    );
    await new Promise<void>((resolve, reject) =>
      server.listen((error) =>
        error ? reject(error instanceof Error ? error : new Error('listen failed')) : resolve(),
      ),
    );
  });

  const settle = () => new Promise((resolve) => setImmediate(resolve));
  const deliver = (...ids: string[]) => ids.forEach((id) => outcomes.get(id)!('delivered'));

  it('publishes its standing on the status stream', async () => {
    consumer.join([0]);
    await server.close();
    expect(statuses).toEqual(['connecting', 'joining', 'member', 'stopping', 'stopped']);
  });

  it('at stop, waits for deliveries in flight, commits the first offset not done, and leaves the group', async () => {
    consumer.join([0, 1]);
    await consumer.fetch(0, 0, 4);
    await consumer.fetch(1, 0, 1);
    await settle();
    deliver('0/0', '0/1', '0/3', '0/4', '1/0', '1/1');
    const closing = server.close();
    await settle();
    // Offset 2 finishes during the wait: everything up to 4 is done.
    deliver('0/2');
    await closing;
    expect(consumer.commits.at(-1)).toEqual(
      expect.arrayContaining([
        { partition: 0, offset: '5' },
        { partition: 1, offset: '2' },
      ]),
    );
    expect(consumer.disconnected).toBe(true);
  });

  it('never commits past a record still unfinished when the stop gives up on it', async () => {
    consumer.join([0]);
    await consumer.fetch(0, 0, 3);
    await settle();
    deliver('0/0', '0/1', '0/3');
    await server.close();
    // 0/2 was abandoned after the 500 ms wait: the next owner starts from it.
    expect(consumer.commits.at(-1)).toEqual([{ partition: 0, offset: '2' }]);
    expect(contexts.get('0/2')!.signal.aborted).toBe(true);
  });

  it('pauses every partition while consumption is paused, and a single one when a handler asks', async () => {
    consumer.join([0, 1, 2]);
    server.consumption.pauseAll('circuit open');
    expect(consumer.paused.at(-1)).toEqual([0, 1, 2]);
    server.consumption.resumeAll('circuit open');
    expect(consumer.resumed.at(-1)).toEqual([0, 1, 2]);

    await consumer.fetch(1, 0, 0);
    await settle();
    const resume = contexts.get('1/0')!.pausePartition();
    expect(consumer.paused.at(-1)).toEqual([1]);
    expect(consumer.resumed.at(-1)).toEqual([0, 2]);
    resume();
    expect(consumer.resumed.at(-1)).toEqual([0, 1, 2]);
    deliver('1/0');
    await server.close();
  });

  it('on a rebalance that takes a partition away, stops its deliveries and no longer commits it', async () => {
    consumer.join([0, 1]);
    await consumer.fetch(0, 0, 0);
    await consumer.fetch(1, 0, 0);
    await settle();
    consumer.join([0]);
    expect(contexts.get('1/0')!.signal.aborted).toBe(true);
    expect(contexts.get('0/0')!.signal.aborted).toBe(false);
    deliver('0/0');
    await settle();
    await server.commit();
    expect(consumer.commits.at(-1)).toEqual([{ partition: 0, offset: '1' }]);
    await server.close();
  });

  it('when a heartbeat says the group rebalances, lets deliveries in flight finish and commits them before rejoining', async () => {
    consumer.join([0]);
    await consumer.fetch(0, 0, 1);
    await settle();
    const rebalancing = Object.assign(new Error('The group is rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
    const fetching = consumer.fetch(0, 2, 2, async () => {
      throw rebalancing;
    });
    await settle();
    expect(server.state).toBe('rebalancing');
    deliver('0/0', '0/1', '0/2');
    await expect(fetching).rejects.toBe(rebalancing);
    expect(consumer.commits.at(-1)).toEqual([{ partition: 0, offset: '3' }]);
    await server.close();
  });
});
