import { CircuitBreaker, type CircuitState } from './circuit-breaker';
import { FakeClock, settle } from '../testing/fake-clock';

describe('CircuitBreaker', () => {
  const setup = () => {
    const clock = new FakeClock();
    const circuit = new CircuitBreaker({ threshold: 3, cooldownMs: 5_000 }, clock);
    const states: CircuitState[] = [];
    circuit.onStateChange((s) => states.push(s));
    return { clock, circuit, states };
  };
  const fail = async (circuit: CircuitBreaker) => (await circuit.acquire())!.failed();

  it('opens after the threshold of failures in a row, not before', async () => {
    const { circuit, states } = setup();
    await fail(circuit);
    await fail(circuit);
    (await circuit.acquire())!.succeeded();
    await fail(circuit);
    await fail(circuit);
    expect(circuit.state).toBe('closed');
    await fail(circuit);
    expect(circuit.state).toBe('open');
    expect(states).toEqual(['open']);
  });

  it('holds every request while open, then lets exactly one probe through per cool-down', async () => {
    const { clock, circuit } = setup();
    for (let i = 0; i < 3; i++) await fail(circuit);
    let granted = 0;
    const waiting = Array.from({ length: 4 }, () => circuit.acquire().then((p) => (granted++, p)));
    await clock.advance(4_999);
    expect(granted).toBe(0);
    await clock.advance(1);
    expect(granted).toBe(1);
    expect(circuit.state).toBe('half-open');
    const probe = await Promise.race(waiting);
    probe!.failed();
    await settle();
    expect(circuit.state).toBe('open');
    expect(granted).toBe(1);
    await clock.advance(5_000);
    expect(granted).toBe(2);
  });

  it('closes when the probe succeeds and releases everyone waiting', async () => {
    const { clock, circuit, states } = setup();
    for (let i = 0; i < 3; i++) await fail(circuit);
    const waiting = Array.from({ length: 3 }, () => circuit.acquire());
    await clock.advance(5_000);
    const probe = await Promise.race(waiting);
    probe!.succeeded();
    const permits = await Promise.all(waiting);
    expect(permits.every((p) => p !== undefined)).toBe(true);
    expect(circuit.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
    expect(circuit.lastSuccessAt).toBe(clock.now());
  });

  it('hands the probe to another caller when the probe was never sent', async () => {
    const { clock, circuit } = setup();
    for (let i = 0; i < 3; i++) await fail(circuit);
    const first = circuit.acquire();
    await clock.advance(5_000);
    (await first)!.release();
    expect(circuit.state).toBe('half-open');
    const granted: string[] = [];
    const second = circuit.acquire().then((p) => (granted.push('second'), p));
    void circuit.acquire().then(() => granted.push('third'));
    await settle();
    // The released probe goes to the next caller at once, without another cool-down; the caller after it waits.
    expect(granted).toEqual(['second']);
    // Only the probe's failure reopens a half-open circuit: the second permit is the probe.
    (await second)!.failed();
    expect(circuit.state).toBe('open');
    await settle();
    expect(granted).toEqual(['second']);
  });

  it('gives up waiting when the caller is aborted', async () => {
    const { circuit } = setup();
    for (let i = 0; i < 3; i++) await fail(circuit);
    const abort = new AbortController();
    const waiting = circuit.acquire(abort.signal);
    abort.abort();
    await expect(waiting).resolves.toBeUndefined();
  });
});
