import { parseRetryAfter, RetryPolicy } from './retry-policy';

const options = { retries: 3, initialDelayMs: 1000, maxDelayMs: 30_000, retry4xx: false };

describe('RetryPolicy', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [299, 'delivered'],
    [undefined, 'retry'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [400, 'reject'],
    [401, 'reject'],
    [404, 'reject'],
    [422, 'reject'],
    [301, 'reject'],
  ] as const)('treats %p as %s', (status, verdict) => {
    expect(new RetryPolicy(options).verdict(status)).toBe(verdict);
  });

  it('retries other 4xx when asked to, as the Go prototype did', () => {
    expect(new RetryPolicy({ ...options, retry4xx: true }).verdict(400)).toBe('retry');
  });

  it('allows exactly `retries` retries after the first attempt', () => {
    const policy = new RetryPolicy(options);
    expect([1, 2, 3, 4].map((a) => policy.mayRetry(a))).toEqual([true, true, true, false]);
  });

  it('doubles the backoff ceiling each retry up to the cap (random at its maximum)', () => {
    const policy = new RetryPolicy(options, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7, 30].map((a) => policy.backoffMs(a))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });

  it('draws the full jitter uniformly between zero and the ceiling', () => {
    expect(new RetryPolicy(options, () => 0).backoffMs(3)).toBe(0);
    expect(new RetryPolicy(options, () => 0.5).backoffMs(3)).toBe(2000);
    const policy = new RetryPolicy(options);
    const draws = Array.from({ length: 2000 }, () => policy.backoffMs(2));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThanOrEqual(2000);
    expect(draws.reduce((a, b) => a + b, 0) / draws.length).toBeGreaterThan(800);
    expect(draws.reduce((a, b) => a + b, 0) / draws.length).toBeLessThan(1200);
  });

  it('honours Retry-After, clamped to the cap', () => {
    const policy = new RetryPolicy(options, () => 0);
    expect(policy.backoffMs(1, 5_000)).toBe(5_000);
    expect(policy.backoffMs(1, 120_000)).toBe(30_000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-27T12:00:00Z');
  it('reads delay-seconds', () => expect(parseRetryAfter('7', now)).toBe(7000));
  it('reads an HTTP date', () => expect(parseRetryAfter('Fri, 27 Nov 2026 12:00:30 GMT', now)).toBe(30_000));
  it('never goes negative for a past date', () =>
    expect(parseRetryAfter('Fri, 27 Nov 2026 11:00:00 GMT', now)).toBe(0));
  it.each([undefined, '', 'soon', '-5', '1.5'])('ignores %p', (value) =>
    expect(parseRetryAfter(value, now)).toBeUndefined(),
  );
});
