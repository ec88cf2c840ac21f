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
  let lane = 0;
  /** A failure (HTTP 5xx or a timeout) of a record of its own lane, as an outage gives. */
  const fail = async (circuit: CircuitBreaker) => (await circuit.acquire())!.failed(`lane-${lane++}`, false);
  /** A failure of one lane's records (one key refused): not an outage however often. */
  const failLane = async (circuit: CircuitBreaker, name: string, connection = false) =>
    (await circuit.acquire())!.failed(name, connection);

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

  it('stays closed while the failures in a row come from fewer than three lanes', async () => {
    const { circuit } = setup();
    for (let i = 0; i < 50; i++) await failLane(circuit, i % 2 ? 'a' : 'b');
    expect(circuit.state).toBe('closed');
    await failLane(circuit, 'c');
    expect(circuit.state).toBe('open');
  });

  it('opens on connection failures in a row from one lane: no record can refuse a connection', async () => {
    const { circuit } = setup();
    await failLane(circuit, 'a', true);
    await failLane(circuit, 'a', true);
    expect(circuit.state).toBe('closed');
    await failLane(circuit, 'a', true);
    expect(circuit.state).toBe('open');
  });

  it('forgets the lanes of an earlier run once the target succeeds', async () => {
    const { circuit } = setup();
    await failLane(circuit, 'a');
    await failLane(circuit, 'b');
    (await circuit.acquire())!.succeeded();
    for (let i = 0; i < 10; i++) await failLane(circuit, 'c');
    expect(circuit.state).toBe('closed');
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
    probe!.failed('lane-probe', false);
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
    (await second)!.failed('lane-probe', false);
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
