import type { Clock } from './clock';
import { ConcurrencyLimiter, type LimitChange, type LimiterSlot } from './concurrency-limiter';

/** What a scripted target does with a request: answer after `latencyMs` with `status`. */
interface Answer {
  status: number | 'timeout';
  latencyMs: number;
}

/** A target as a function of the requests it holds (this one included) and the time. */
type Target = (inFlight: number, now: number) => Answer;

interface Trace {
  /** [time, status] of every answer. */
  answers: Array<[number, number | 'timeout']>;
  /** [time, limit] after every answer. */
  limits: Array<[number, number]>;
}

class ManualClock implements Clock {
  time = 0;
  now(): number {
    return this.time;
  }
  sleep(): Promise<void> {
    throw new Error('the simulation does not sleep');
  }
}

/**
 * A discrete-event run against a scripted target with an endless backlog: as many requests as the
 * limit allows are in flight; each answer releases its slot with what it says. Runs continue
 * where the previous one stopped, requests in flight included.
 */
class Simulation {
  readonly trace: Trace = { answers: [], limits: [] };
  private readonly pending: Array<{ at: number; slot: LimiterSlot; answer: Answer; sentAt: number; holds: boolean }> =
    [];
  private atTarget = 0;

  constructor(
    private readonly limiter: ConcurrencyLimiter,
    private readonly clock: ManualClock,
    public target: Target,
  ) {}

  run(forMs: number): this {
    const end = this.clock.time + forMs;
    while (this.clock.time < end) {
      for (let slot = this.limiter.tryAcquire(); slot; slot = this.limiter.tryAcquire()) {
        this.atTarget++;
        const answer = this.target(this.atTarget, this.clock.time);
        // A refusal is answered at once and holds nothing at the target.
        const holds = answer.status !== 503 && answer.status !== 429;
        if (!holds) this.atTarget--;
        insert(this.pending, { at: this.clock.time + answer.latencyMs, slot, answer, sentAt: this.clock.time, holds });
      }
      const next = this.pending.shift()!;
      this.clock.time = next.at;
      if (next.holds) this.atTarget--;
      const { status } = next.answer;
      const overload = status === 503 || status === 429 || status === 'timeout';
      next.slot.release(overload ? 'overload' : 'ok', this.clock.time - next.sentAt);
      this.trace.answers.push([this.clock.time, status]);
      this.trace.limits.push([this.clock.time, this.limiter.limit]);
    }
    return this;
  }
}

function insert<T extends { at: number }>(queue: T[], item: T): void {
  let lo = 0;
  let hi = queue.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (queue[mid].at <= item.at) lo = mid + 1;
    else hi = mid;
  }
  queue.splice(lo, 0, item);
}

/** A seeded generator, so every run of a spec sees the same "random" target. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const max = (values: number[]) => values.reduce((a, b) => (b > a ? b : a), -Infinity);
const min = (values: number[]) => values.reduce((a, b) => (b < a ? b : a), Infinity);
const limitsBetween = (trace: Trace, from: number, to = Infinity) =>
  trace.limits.filter(([t]) => t >= from && t < to).map(([, limit]) => limit);
const answersBetween = (trace: Trace, from: number, to = Infinity) =>
  trace.answers.filter(([t]) => t >= from && t < to).map(([, status]) => status);

describe('ConcurrencyLimiter', () => {
  let clock: ManualClock;
  const auto = (initial = 16) => new ConcurrencyLimiter({ mode: 'auto', initial, min: 1, max: 1024 }, clock);
  const capped =
    (capacity: number, status = 503): Target =>
    (inFlight) =>
      inFlight > capacity ? { status, latencyMs: 0.3 } : { status: 200, latencyMs: 20 };

  beforeEach(() => {
    clock = new ManualClock();
  });

  it('grows to its maximum on a fast, healthy target with room to spare', () => {
    const limiter = auto();
    new Simulation(limiter, clock, () => ({ status: 200, latencyMs: 5 })).run(2_000);
    expect(limiter.limit).toBe(1024);
  });

  it('does not grow a limit that the backlog never fills', () => {
    const limiter = auto();
    // Only 4 requests at a time: the limit is not what holds deliveries back.
    const slots: LimiterSlot[] = [];
    for (let round = 0; round < 200; round++) {
      while (slots.length < 4) slots.push(limiter.tryAcquire()!);
      clock.time += 5;
      slots.shift()!.release('ok', 5);
    }
    expect(limiter.limit).toBe(16);
  });

  it('converges below a target that refuses with 503 beyond 8 in flight, and stops provoking refusals', () => {
    const limiter = auto();
    const { trace } = new Simulation(limiter, clock, capped(8)).run(40_000);
    const settled = limitsBetween(trace, 10_000);
    expect(min(settled)).toBeGreaterThanOrEqual(5);
    expect(max(settled)).toBeLessThanOrEqual(12);
    const after = answersBetween(trace, 10_000);
    expect(after.filter((s) => s === 503).length / after.length).toBeLessThan(0.05);
    // And it keeps the target busy: 8 in flight at 20 ms is 400 answers a second.
    expect(after.filter((s) => s === 200).length / 30).toBeGreaterThan(300);
    expect(limiter.backingOff).toBe(true);
  });

  it('backs off at once when the target starts refusing, and recovers when it stops', () => {
    const limiter = auto();
    const simulation = new Simulation(limiter, clock, () => ({ status: 200, latencyMs: 10 })).run(5_000);
    expect(limiter.limit).toBeGreaterThan(100);
    simulation.target = capped(4, 429);
    const squeezedAt = clock.time;
    simulation.run(2_000);
    // Within half a second the limit is at the target's capacity.
    expect(max(limitsBetween(simulation.trace, squeezedAt + 500))).toBeLessThanOrEqual(5);
    expect(limiter.backingOff).toBe(true);
    simulation.target = () => ({ status: 200, latencyMs: 10 });
    const freedAt = clock.time;
    simulation.run(15_000);
    expect(max(limitsBetween(simulation.trace, freedAt + 10_000))).toBeGreaterThan(100);
  });

  it('shrinks when latency climbs well above its baseline because requests queue at the target', () => {
    const limiter = auto();
    // 10 workers; what is beyond them waits its turn, 10 ms a round.
    const { trace } = new Simulation(limiter, clock, (inFlight) => ({
      status: 200,
      latencyMs: 10 * Math.ceil(inFlight / 10),
    })).run(20_000);
    const settled = limitsBetween(trace, 5_000);
    expect(max(settled)).toBeLessThanOrEqual(40);
    expect(min(settled)).toBeGreaterThanOrEqual(5);
  });

  it('does not collapse on a fast target whose latency wobbles by a few milliseconds with load', () => {
    const limiter = auto();
    const random = seeded(3);
    // 1 ms plus 1 ms per 100 in flight, with jitter: doubling and halving, but never a queue that matters.
    const { trace } = new Simulation(limiter, clock, (inFlight) => ({
      status: 200,
      latencyMs: 1 + inFlight / 100 + random() * 2,
    })).run(10_000);
    expect(min(limitsBetween(trace, 2_000))).toBeGreaterThanOrEqual(64);
  });

  it('keeps growing on a slow target whose latency varies widely and that sheds a few requests at random', () => {
    const limiter = auto();
    const random = seeded(7);
    // The webhook simulator's defaults: 50-2000 ms, 2% 503 unrelated to load.
    const { trace } = new Simulation(limiter, clock, () => ({
      status: random() < 0.02 ? 503 : 200,
      latencyMs: 50 + random() * 1950,
    })).run(30_000);
    expect(min(limitsBetween(trace, 10_000))).toBeGreaterThanOrEqual(64);
  });

  it('adapts within 10 s when the target becomes 100 times slower on its own, and keeps up its throughput', () => {
    const limiter = auto();
    const simulation = new Simulation(limiter, clock, () => ({ status: 200, latencyMs: 5 })).run(5_000);
    const before = limiter.limit;
    simulation.target = () => ({ status: 200, latencyMs: 500 });
    const jumpAt = clock.time;
    simulation.run(20_000);
    const end = limiter.limit;
    // Settled: from 10 s after the jump on, the limit stays within a quarter of where it ends.
    expect(limitsBetween(simulation.trace, jumpAt + 10_000).every((limit) => Math.abs(limit - end) <= end / 4)).toBe(
      true,
    );
    expect(end).toBeGreaterThanOrEqual(before / 2);
  });

  it('cuts on timeouts and refused connections down to its minimum, where answers are charged to records again', () => {
    const limiter = auto();
    new Simulation(limiter, clock, () => ({ status: 'timeout', latencyMs: 100 })).run(5_000);
    expect(limiter.limit).toBe(1);
    expect(limiter.backingOff).toBe(false);
  });

  it('forgets a refusal after 30 s: 503s are charged to records again', () => {
    const limiter = auto();
    new Simulation(limiter, clock, capped(8)).run(5_000);
    expect(limiter.backingOff).toBe(true);
    // From now on the backlog is small and the target never refuses.
    for (let i = 0; i < 100; i++) {
      const slot = limiter.tryAcquire()!;
      clock.time += 400;
      slot.release('ok', 20);
    }
    expect(limiter.backingOff).toBe(false);
  });

  it('holds a fixed limit whatever the target answers', () => {
    const limiter = new ConcurrencyLimiter({ mode: 'fixed', initial: 16, min: 16, max: 16 }, clock);
    const changes: LimitChange[] = [];
    limiter.onChange((change) => changes.push(change));
    new Simulation(limiter, clock, capped(8)).run(5_000);
    expect(limiter.limit).toBe(16);
    expect(changes).toEqual([]);
    expect(limiter.backingOff).toBe(false);
  });

  it('hands slots out in arrival order and lets a waiter give up', async () => {
    const limiter = new ConcurrencyLimiter({ mode: 'fixed', initial: 1, min: 1, max: 1 }, clock);
    const first = limiter.tryAcquire()!;
    expect(limiter.tryAcquire()).toBeUndefined();
    const order: string[] = [];
    const gaveUp = new AbortController();
    const a = limiter.acquire().then((slot) => (order.push('a'), slot));
    const b = limiter.acquire(gaveUp.signal).then((slot) => (order.push(slot ? 'b' : 'b gave up'), slot));
    const c = limiter.acquire().then((slot) => (order.push('c'), slot));
    gaveUp.abort();
    await b;
    first.release('ok', 1);
    (await a)!.release('ok', 1);
    await c;
    expect(order).toEqual(['b gave up', 'a', 'c']);
    expect(limiter.inFlight).toBe(1);
  });

  it('never holds a slot back for a waiter that gave up', async () => {
    const limiter = new ConcurrencyLimiter({ mode: 'fixed', initial: 1, min: 1, max: 1 }, clock);
    const first = limiter.tryAcquire()!;
    const gaveUp = new AbortController();
    const waiting = limiter.acquire(gaveUp.signal);
    gaveUp.abort();
    await expect(waiting).resolves.toBeUndefined();
    first.release('ok', 1);
    expect(limiter.tryAcquire()).toBeDefined();
  });

  it('reports each change of the whole limit with its reason', () => {
    const limiter = auto();
    const changes: LimitChange[] = [];
    limiter.onChange((change) => changes.push(change));
    new Simulation(limiter, clock, capped(8)).run(3_000);
    expect(changes[0]).toMatchObject({ from: 16, reason: expect.stringContaining('refused') });
    expect(changes.some((change) => change.reason.startsWith('probing'))).toBe(true);
  });
});
