import { Logger } from '@nestjs/common';
import type { EachBatchPayload } from 'kafkajs';
import type { ForwardContext } from './forward-context';
import type { ForwardOutcome, ForwardRecord } from './forward-record';
import type { ForwardTransportOptions } from './forward-transport-options';
import { PartitionTable } from './partition-table';
import { RecordWindow, type WindowParts } from './record-window';

const options: ForwardTransportOptions = {
  topic: 'orders',
  groupId: 'g',
  ordering: 'none',
  workers: 4,
  maxPending: 4,
  sessionTimeoutMs: 10_000,
  commitIntervalMs: 60_000,
  rebalanceDrainMs: 1_000,
  shutdownTimeoutMs: 500,
};

const stops: AbortController[] = [];
// A failed expectation leaves admit waiting for room: stopping lets it return.
afterEach(() => stops.splice(0).forEach((stop) => stop.abort()));

/** A window whose records are delivered when the test says so, and the kafkajs batch callbacks it is given. */
function harness() {
  const table = new PartitionTable();
  const pending = new Map<bigint, (outcome: ForwardOutcome) => void>();
  const stopping = new AbortController();
  stops.push(stopping);
  // The other parts at their boundary: nothing to pause, commit or measure in these tests.
  const parts = {
    table,
    stopping: stopping.signal,
    pauses: { pausePartition: () => () => undefined },
    commits: { commit: async () => undefined },
    lag: { update: () => undefined },
  } as unknown as WindowParts;
  const window = new RecordWindow(options, parts, new Logger('test'));
  window.handleWith(
    (record: ForwardRecord, context: ForwardContext) =>
      new Promise<ForwardOutcome>((resolve) => {
        pending.set(record.offset, resolve);
        context.signal.addEventListener('abort', () => resolve('abandoned'));
      }),
  );
  /** What kafkajs was told, in order, and what it had been told when each wait for room began. */
  const resolved: string[] = [];
  const resolvedAtHeartbeat: Array<string | undefined> = [];
  let stale = false;
  const admit = (from: number, to: number) => {
    const messages = [];
    for (let offset = from; offset <= to; offset++)
      messages.push({ offset: String(offset), key: null, value: Buffer.from('{}'), headers: {}, timestamp: '0' });
    return window.admit({
      batch: { topic: 'orders', partition: 0, highWatermark: String(to + 1), messages },
      resolveOffset: (offset: string) => resolved.push(offset),
      heartbeat: async () => {
        resolvedAtHeartbeat.push(resolved.at(-1));
      },
      isRunning: () => true,
      isStale: () => stale,
    } as unknown as EachBatchPayload);
  };
  const deliver = async (offset: number) => {
    pending.get(BigInt(offset))!('delivered');
    pending.delete(BigInt(offset));
    await new Promise((resolve) => setImmediate(resolve));
  };
  /** Delivers every record in hand at once. */
  const deliverAll = async () => {
    for (const resolve of pending.values()) resolve('delivered');
    pending.clear();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    window,
    table,
    pending,
    resolved,
    resolvedAtHeartbeat,
    admit,
    deliver,
    deliverAll,
    seek: () => (stale = true),
  };
}

describe('RecordWindow.admit', () => {
  it('tells kafkajs the last offset taken once per run of records, before it waits for room and at the end', async () => {
    const { admit, deliverAll, resolved, resolvedAtHeartbeat, pending } = harness();
    const admitting = admit(0, 9);
    await new Promise((resolve) => setImmediate(resolve));
    // The window holds 4: offsets 0-3 are taken and resolved before the wait for room.
    expect([...pending.keys()]).toEqual([0n, 1n, 2n, 3n]);
    expect(resolved).toEqual(['3']);
    await deliverAll();
    expect([...pending.keys()]).toEqual([4n, 5n, 6n, 7n]);
    await deliverAll();
    await admitting;
    expect(resolved).toEqual(['3', '7', '9']);
    // Each heartbeat during a wait saw the records taken before it resolved.
    expect(resolvedAtHeartbeat).toEqual(['3', '7', '9']);
  });

  it('resolves records it already holds when a batch brings them again, and what it takes after them', async () => {
    const { admit, deliver, resolved, pending } = harness();
    await admit(0, 1);
    expect(resolved).toEqual(['1']);
    await deliver(0);
    await admit(0, 1);
    expect(resolved).toEqual(['1', '1']);
    await admit(0, 3);
    expect(resolved).toEqual(['1', '1', '3']);
    expect([...pending.keys()]).toEqual([1n, 2n, 3n]);
  });

  it('takes nothing from a batch of a partition sought meanwhile, and resolves nothing for it', async () => {
    const { admit, seek, resolved, pending } = harness();
    seek();
    await admit(0, 3);
    expect(pending.size).toBe(0);
    expect(resolved).toEqual([]);
  });

  it('stops taking records when the partition is sought while it waits for room', async () => {
    const { admit, deliver, seek, resolved, pending } = harness();
    const admitting = admit(0, 7);
    await new Promise((resolve) => setImmediate(resolve));
    seek();
    await deliver(0);
    expect([...pending.keys()]).toEqual([1n, 2n, 3n]);
    await admitting;
    expect(resolved).toEqual(['3']);
  });
});
