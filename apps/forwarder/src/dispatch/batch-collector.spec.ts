import type { ForwardRecord } from '../transport/forward-record';
import { BatchCollector, type BatchOptions } from './batch-collector';
import { arrayOf, type EnvelopeParts } from './envelope';
import type { DispatchResult, RetryingDispatcher } from './retrying-dispatcher';

const record = (partition: number, offset: number, value = '{"n":1}'): ForwardRecord => ({
  topic: 't',
  partition,
  offset: BigInt(offset),
  key: Buffer.from(`k${offset}`),
  value: Buffer.from(value),
  headers: {},
  timestamp: 0,
});

/** The collector against a dispatcher faked at its boundary: it refuses any request holding a refused offset. */
function setup(options: Partial<BatchOptions> = {}, refused = new Set<number>()) {
  const requests: Array<{ offsets: number[]; body: unknown[] }> = [];
  const dispatcher = {
    deliver: jest.fn(),
    deliverBatch: async (records: ForwardRecord[], envelopes: EnvelopeParts[]): Promise<DispatchResult> => {
      const offsets = records.map((r) => Number(r.offset));
      requests.push({ offsets, body: JSON.parse(arrayOf(envelopes).toString()) as unknown[] });
      await Promise.resolve();
      return offsets.some((o) => refused.has(o))
        ? { outcome: 'rejected', status: 422, attempts: 1, error: 'HTTP 422' }
        : { outcome: 'delivered', status: 200, attempts: 1 };
    },
  };
  const collector = new BatchCollector(dispatcher as unknown as RetryingDispatcher, {
    max: 100,
    maxBytes: 1024 * 1024,
    lingerMs: 5,
    ...options,
  });
  return { collector, requests, dispatcher };
}

describe('BatchCollector', () => {
  afterEach(() => jest.useRealTimers());

  it('sends a full batch at once, in offset order, with one outcome for every record', async () => {
    const { collector, requests } = setup({ max: 4 });
    const signal = new AbortController().signal;
    const results = await Promise.all([3, 1, 2, 0].map((o) => collector.deliver(record(0, o), signal)));
    await Promise.all([4, 5, 7, 6].map((o) => collector.deliver(record(0, o), signal)));
    expect(requests).toEqual([
      { offsets: [0, 1, 2, 3], body: expect.any(Array) },
      { offsets: [4, 5, 6, 7], body: expect.any(Array) },
    ]);
    expect(requests[0].body.map((e) => (e as { offset: number }).offset)).toEqual([0, 1, 2, 3]);
    expect(results.every((r) => r.outcome === 'delivered')).toBe(true);
  });

  it('sends what it has once --batch-linger has passed, one batch per partition', async () => {
    jest.useFakeTimers();
    const { collector, requests } = setup({ max: 100, lingerMs: 20 });
    const signal = new AbortController().signal;
    const pending = [collector.deliver(record(0, 1), signal), collector.deliver(record(1, 7), signal)];
    jest.advanceTimersByTime(19);
    expect(requests).toEqual([]);
    jest.advanceTimersByTime(1);
    await Promise.all(pending);
    expect(requests.map((r) => r.offsets)).toEqual([[1], [7]]);
  });

  it('starts a new batch before the body would pass --batch-max-bytes', async () => {
    jest.useFakeTimers();
    const big = `{"pad":"${'x'.repeat(600)}"}`;
    const { collector, requests } = setup({ maxBytes: 2048 });
    const signal = new AbortController().signal;
    const pending = [0, 1, 2, 3, 4].map((o) => collector.deliver(record(0, o, big), signal));
    jest.advanceTimersByTime(5);
    await Promise.all(pending);
    expect(requests.map((r) => r.offsets)).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('finds the 3 records of 100 the target refuses by halving, and fails only those', async () => {
    const { collector, requests } = setup({ max: 100 }, new Set([5, 50, 97]));
    const signal = new AbortController().signal;
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, o) => collector.deliver(record(0, o), signal).then((r) => [o, r] as const)),
    );
    const failed = results.filter(([, r]) => r.outcome === 'rejected').map(([o]) => o);
    expect(failed).toEqual([5, 50, 97]);
    expect(results.filter(([, r]) => r.outcome === 'delivered')).toHaveLength(97);
    // Each refused record costs about log2(100) requests on its way down, not one per record.
    expect(requests.length).toBeLessThan(3 * 2 * 8);
  });

  it('fails every record of a batch whose delivery threw, so the transport tries them again', async () => {
    const { collector, dispatcher } = setup({ max: 2 });
    (dispatcher as { deliverBatch: unknown }).deliverBatch = () => Promise.reject(new Error('a bug'));
    const signal = new AbortController().signal;
    const results = [collector.deliver(record(0, 1), signal), collector.deliver(record(0, 2), signal)];
    await expect(Promise.allSettled(results)).resolves.toEqual([
      { status: 'rejected', reason: new Error('a bug') },
      { status: 'rejected', reason: new Error('a bug') },
    ]);
  });

  it('hands each record to the dispatcher alone when --batch-max is 1', async () => {
    const { collector, dispatcher, requests } = setup({ max: 1 });
    dispatcher.deliver.mockResolvedValue({ outcome: 'delivered', status: 200, attempts: 1 });
    await collector.deliver(record(0, 1), new AbortController().signal);
    expect(dispatcher.deliver).toHaveBeenCalledTimes(1);
    expect(requests).toEqual([]);
  });
});
