import { KafkaOverloadedError, KafkaTimeoutError, KafkaUnavailableError, RecordTooLargeError } from './kafka-errors';
import { ProduceBatcher } from './produce-batcher';

interface Item {
  id: number;
  size: number;
}

/** A send function the test completes by hand, recording every batch it was given. */
function controlledSend() {
  const calls: Array<{ items: readonly Item[]; resolve: () => void; reject: (e: Error) => void }> = [];
  const send = (items: readonly Item[]) =>
    new Promise<number[]>((resolve, reject) => {
      calls.push({ items, resolve: () => resolve(items.map((item) => item.id * 10)), reject });
    });
  return { calls, send };
}

const limits = { maxRecords: 3, maxBytes: 100, maxQueued: 10 };
const item = (id: number, size = 10): Item => ({ id, size });
const flush = () => new Promise((resolve) => setImmediate(resolve));
/** Submits with a short timeout and keeps an unobserved rejection from failing the run. */
function submit(batcher: ProduceBatcher<Item, number>, it: Item): Promise<number> {
  const result = batcher.submit(it, 200);
  result.catch(() => undefined);
  return result;
}

describe('ProduceBatcher', () => {
  afterEach(() => jest.useRealTimers());

  it('sends a lone record at once when idle, with no linger', async () => {
    const { calls, send } = controlledSend();
    const batcher = new ProduceBatcher(send, limits, (i: Item) => i.size);
    batcher.resume();
    const result = submit(batcher, item(1));
    expect(calls).toHaveLength(1);
    calls[0].resolve();
    await expect(result).resolves.toBe(10);
  });

  it('coalesces records that arrive during a send into the next batch, bounded by count', async () => {
    const { calls, send } = controlledSend();
    const batcher = new ProduceBatcher(send, limits, (i: Item) => i.size);
    batcher.resume();
    const results = [1, 2, 3, 4, 5].map((id) => submit(batcher, item(id)));
    expect(calls.map((c) => c.items.map((i) => i.id))).toEqual([[1]]);
    calls[0].resolve();
    await flush();
    expect(calls.map((c) => c.items.map((i) => i.id))).toEqual([[1], [2, 3, 4]]);
    calls[1].resolve();
    await flush();
    expect(calls[2].items.map((i) => i.id)).toEqual([5]);
    calls[2].resolve();
    await expect(Promise.all(results)).resolves.toEqual([10, 20, 30, 40, 50]);
  });

  it('bounds a batch by bytes but always sends an oversized record, alone', async () => {
    const { calls, send } = controlledSend();
    const batcher = new ProduceBatcher(send, limits, (i: Item) => i.size);
    batcher.resume();
    void submit(batcher, item(1));
    void submit(batcher, item(2, 60));
    void submit(batcher, item(3, 60));
    void submit(batcher, item(4, 500));
    calls[0].resolve();
    await flush();
    calls[1].resolve();
    await flush();
    calls[2].resolve();
    await flush();
    expect(calls.map((c) => c.items.map((i) => i.id))).toEqual([[1], [2], [3], [4]]);
  });

  it('fails every record of a batch when the cluster is unavailable', async () => {
    const { calls, send } = controlledSend();
    const batcher = new ProduceBatcher(send, limits, (i: Item) => i.size);
    batcher.resume();
    const first = submit(batcher, item(1));
    const second = submit(batcher, item(2));
    const third = submit(batcher, item(3));
    calls[0].resolve();
    await first;
    calls[1].reject(new KafkaUnavailableError('down'));
    await expect(second).rejects.toBeInstanceOf(KafkaUnavailableError);
    await expect(third).rejects.toBeInstanceOf(KafkaUnavailableError);
  });

  it('retries each record alone after a record-specific failure, so one bad record spoils nothing else', async () => {
    const { calls, send } = controlledSend();
    const batcher = new ProduceBatcher(send, limits, (i: Item) => i.size);
    batcher.resume();
    void submit(batcher, item(1));
    const good = submit(batcher, item(2));
    const bad = submit(batcher, item(3));
    calls[0].resolve();
    await flush();
    calls[1].reject(new RecordTooLargeError('too large'));
    await flush();
    expect(calls[2].items.map((i) => i.id)).toEqual([2]);
    calls[2].resolve();
    await flush();
    expect(calls[3].items.map((i) => i.id)).toEqual([3]);
    calls[3].reject(new RecordTooLargeError('too large'));
    await expect(good).resolves.toBe(20);
    await expect(bad).rejects.toBeInstanceOf(RecordTooLargeError);
  });

  it('drops a record that times out while queued, so it is never written', async () => {
    jest.useFakeTimers();
    const { calls, send } = controlledSend();
    const batcher = new ProduceBatcher(send, limits, (i: Item) => i.size);
    batcher.resume();
    const inFlight = submit(batcher, item(1));
    const queued = submit(batcher, item(2));
    jest.advanceTimersByTime(201);
    await expect(queued).rejects.toMatchObject({ mayHaveBeenWritten: false });
    await expect(inFlight).rejects.toMatchObject({ mayHaveBeenWritten: true });
    expect(await inFlight.catch((e) => e)).toBeInstanceOf(KafkaTimeoutError);
    calls[0].resolve();
    await Promise.resolve();
    await Promise.resolve();
    expect(calls).toHaveLength(1);
  });

  it('holds records while paused and sends them on resume', async () => {
    const { calls, send } = controlledSend();
    const batcher = new ProduceBatcher(send, limits, (i: Item) => i.size);
    const result = submit(batcher, item(7));
    expect(calls).toHaveLength(0);
    batcher.resume();
    calls[0].resolve();
    await expect(result).resolves.toBe(70);
  });

  it('refuses new records at once when too many are waiting', async () => {
    const { send } = controlledSend();
    const batcher = new ProduceBatcher(send, { ...limits, maxQueued: 2 }, (i: Item) => i.size);
    void submit(batcher, item(1));
    void submit(batcher, item(2));
    await expect(batcher.submit(item(3), 200)).rejects.toBeInstanceOf(KafkaOverloadedError);
  });

  it('reports when everything queued and in flight has settled', async () => {
    const { calls, send } = controlledSend();
    const batcher = new ProduceBatcher(send, limits, (i: Item) => i.size);
    batcher.resume();
    void submit(batcher, item(1));
    void submit(batcher, item(2));
    const drained = batcher.drained(5000);
    expect(batcher.pending).toBe(2);
    calls[0].resolve();
    await flush();
    calls[1].resolve();
    await expect(drained).resolves.toBe(true);
    expect(batcher.pending).toBe(0);
  });
});
