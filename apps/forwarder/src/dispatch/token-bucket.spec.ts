import { FakeClock, settle } from '../testing/fake-clock';
import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  it('lets everyone through at rate 0', async () => {
    const bucket = new TokenBucket(0, new FakeClock());
    await expect(Promise.all(Array.from({ length: 1000 }, () => bucket.take()))).resolves.toHaveLength(1000);
  });

  it('really waits: 20 per second lets a burst of 2, then one every 50 ms', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(20, clock);
    let passed = 0;
    for (let i = 0; i < 10; i++) void bucket.take().then(() => passed++);
    await settle();
    expect(passed).toBe(2);
    await clock.advance(50);
    expect(passed).toBe(3);
    await clock.advance(200);
    expect(passed).toBe(7);
    await clock.advance(1000);
    expect(passed).toBe(10);
  });

  it('sustains the configured rate over a second', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(100, clock);
    let passed = 0;
    for (let i = 0; i < 500; i++) void bucket.take().then(() => passed++);
    await clock.advance(1000);
    expect(passed).toBeGreaterThanOrEqual(100);
    expect(passed).toBeLessThanOrEqual(111);
  });

  it('returns the token of a caller that gave up', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(1, clock);
    await bucket.take();
    const abort = new AbortController();
    const waiting = bucket.take(abort.signal);
    abort.abort();
    await expect(waiting).resolves.toBe(false);
    let next = false;
    void bucket.take().then(() => (next = true));
    await clock.advance(1000);
    expect(next).toBe(true);
  });
});
