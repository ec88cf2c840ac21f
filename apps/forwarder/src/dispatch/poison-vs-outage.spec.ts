import { ForwardStats } from '../stats/forward-stats';
import type { ForwardRecord } from '../transport/forward-record';
import { CircuitBreaker, type CircuitState } from './circuit-breaker';
import type { ConcurrencyLimiter, LimiterSlot } from './concurrency-limiter';
import { DeliveryNetworkError, type DeliveryRequest, type DeliveryResponse } from './delivery-http-client';
import { FakeClock } from '../testing/fake-clock';
import { RetryPolicy } from './retry-policy';
import { RetryingDispatcher, type DispatchResult } from './retrying-dispatcher';
import { TargetEvidence } from './target-evidence';
import { TokenBucket } from './token-bucket';

/** What the simulated target answers a record at a time: a status, or no connection. */
type Target = (key: string, now: number) => number | 'refused';

const THRESHOLD = 10;
const COOLDOWN_MS = 5_000;
/** How long the simulated target takes to answer, in fake-clock time. */
const TARGET_ANSWER_MS = 200;

/**
 * The circuit's decision in a simulated run, on a fake clock: 40 keys of 5 records each, one
 * record of a key at a time (as key ordering does), all keys at once, through the real
 * RetryingDispatcher, CircuitBreaker and TargetEvidence, against a target the test scripts.
 */
function simulate(target: Target) {
  const clock = new FakeClock();
  const start = clock.now();
  const circuit = new CircuitBreaker({ threshold: THRESHOLD, cooldownMs: COOLDOWN_MS }, clock);
  const stats = new ForwardStats();
  const transitions: Array<{ state: CircuitState; at: number; failuresBefore: number }> = [];
  // The failure that opens the circuit is counted just after it: hence the + 1.
  circuit.onStateChange((state) =>
    transitions.push({ state, at: clock.now() - start, failuresBefore: stats.attemptsFailed + 1 }),
  );
  const slot: LimiterSlot = { release: () => undefined };
  const limiter = {
    tryAcquire: () => slot,
    acquire: () => Promise.resolve(slot),
    backingOff: false,
  } as unknown as ConcurrencyLimiter;
  const http = {
    // The simulated target's answer time, on the fake clock (nothing waits in real time): the 200
    // records then take a few simulated seconds, so an outage meets them.
    post: async (request: DeliveryRequest): Promise<DeliveryResponse> => {
      await clock.sleep(TARGET_ANSWER_MS);
      const key = (JSON.parse(request.body.toString()) as { key: string }).key;
      const answer = target(key, clock.now() - start);
      if (answer === 'refused') throw new DeliveryNetworkError('connection', 'ECONNREFUSED');
      return { status: answer };
    },
    close: () => Promise.resolve(),
  };
  const dispatcher = new RetryingDispatcher(
    http,
    clock,
    { url: 'http://target/', timeoutMs: 1_000, headers: {}, userAgent: 'sim' },
    // The middle of the jitter: waits of 250, 500, 1 000 ms... as --retry-delay 500ms gives on average.
    new RetryPolicy({ retries: 3, initialDelayMs: 500, maxDelayMs: 30_000, retry4xx: false }, () => 0.5),
    circuit,
    new TargetEvidence(),
    new TokenBucket(0, clock),
    limiter,
    stats,
  );
  const outcomes = new Map<string, DispatchResult['outcome']>();
  const run = async (key: string) => {
    for (let i = 0; i < 5; i++) {
      const record: ForwardRecord = {
        topic: 't',
        partition: 0,
        offset: BigInt(i),
        key: Buffer.from(key),
        value: null,
        headers: {},
        timestamp: 0,
      };
      const result = await dispatcher.deliver(record, new AbortController().signal);
      outcomes.set(`${key}/${i}`, result.outcome);
    }
  };
  const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
  const done = Promise.all(keys.map(run));
  let finished = false;
  void done.then(() => (finished = true));
  return {
    circuit,
    transitions,
    outcomes,
    /** Moves the clock in 100 ms steps until every record has an outcome or `limitMs` passed. */
    async runFor(limitMs: number): Promise<number> {
      while (!finished && clock.now() - start < limitMs) await clock.advance(100);
      return clock.now() - start;
    },
    byOutcome(outcome: DispatchResult['outcome']): string[] {
      return [...outcomes].filter(([, o]) => o === outcome).map(([id]) => id);
    },
  };
}

describe('poison record or outage: the circuit decides from many keys', () => {
  it('never opens while one key is refused and the rest accepted; the refused key is dead-lettered', async () => {
    const sim = simulate((key) => (key === 'k7' ? 500 : 200));
    const took = await sim.runFor(600_000);
    expect(sim.transitions).toEqual([]);
    expect(sim.byOutcome('exhausted').sort()).toEqual(['k7/0', 'k7/1', 'k7/2', 'k7/3', 'k7/4']);
    expect(sim.byOutcome('delivered')).toHaveLength(195);
    // Each refused record: its first failure (with the others still answering) and its three retries.
    expect(took).toBeLessThan(5 * 4 * 1_000);
  });

  it('never opens with several refused keys failing together, even once they are all that is left', async () => {
    const refused = new Set(['k3', 'k11', 'k29', 'k30']);
    const sim = simulate((key) => (refused.has(key) ? 500 : 200));
    await sim.runFor(600_000);
    expect(sim.transitions).toEqual([]);
    expect(sim.byOutcome('exhausted')).toHaveLength(20);
    expect(sim.byOutcome('delivered')).toHaveLength(180);
  });

  it('opens within its threshold on a full outage, dead-letters nothing, and closes when the target returns', async () => {
    const sim = simulate((_key, now) => (now >= 500 && now < 30_000 ? 500 : 200));
    await sim.runFor(600_000);
    expect(sim.transitions[0]).toMatchObject({ state: 'open' });
    expect(sim.transitions[0].failuresBefore).toBeLessThanOrEqual(THRESHOLD);
    expect(sim.transitions.at(-1)).toMatchObject({ state: 'closed' });
    expect(sim.transitions.at(-1)!.at).toBeGreaterThanOrEqual(30_000);
    expect(sim.byOutcome('exhausted')).toEqual([]);
    expect(sim.byOutcome('delivered')).toHaveLength(200);
    expect(sim.circuit.state).toBe('closed');
  });

  it('opens on refused connections too, and dead-letters nothing', async () => {
    const sim = simulate((_key, now) => (now >= 500 && now < 20_000 ? 'refused' : 200));
    await sim.runFor(600_000);
    expect(sim.transitions[0]).toMatchObject({ state: 'open' });
    expect(sim.transitions[0].failuresBefore).toBeLessThanOrEqual(THRESHOLD);
    expect(sim.byOutcome('exhausted')).toEqual([]);
    expect(sim.byOutcome('delivered')).toHaveLength(200);
  });

  it('through an outage while one key is refused: only the refused key is dead-lettered', async () => {
    const sim = simulate((key, now) => (key === 'k5' || (now >= 500 && now < 25_000) ? 500 : 200));
    await sim.runFor(600_000);
    expect(sim.transitions[0]).toMatchObject({ state: 'open' });
    expect(sim.byOutcome('exhausted').sort()).toEqual(['k5/0', 'k5/1', 'k5/2', 'k5/3', 'k5/4']);
    expect(sim.byOutcome('delivered')).toHaveLength(195);
    expect(sim.circuit.state).toBe('closed');
  });
});
