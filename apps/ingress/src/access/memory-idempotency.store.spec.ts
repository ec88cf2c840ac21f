import { MemoryIdempotencyStore } from './memory-idempotency.store';

describe('MemoryIdempotencyStore', () => {
  let now = 0;
  const store = (ttl = 1000, max = 3) => new MemoryIdempotencyStore(ttl, max, () => now);
  beforeEach(() => (now = 0));

  it('answers a repeat with the first result', () => {
    const s = store();
    const begun = s.begin('', 'k', 'a');
    expect(begun).toEqual({ state: 'new', claim: '\u0000k' });
    s.complete('\u0000k', 200, { offset: 1 });
    expect(s.begin('', 'k', 'a')).toEqual({ state: 'done', status: 200, body: { offset: 1 } });
  });

  it('refuses the same key with another body, and a key still in progress', () => {
    const s = store();
    s.begin('', 'k', 'a');
    expect(s.begin('', 'k', 'a')).toEqual({ state: 'in-progress' });
    expect(s.begin('', 'k', 'b')).toEqual({ state: 'reused' });
  });

  it('keeps the keys of different scopes apart', () => {
    const s = store();
    s.begin('client-a', 'k', 'a');
    expect(s.begin('client-b', 'k', 'b')).toEqual({ state: 'new', claim: 'client-b\u0000k' });
  });

  it('forgets a failed request so that it can be retried', () => {
    const s = store();
    s.begin('', 'k', 'a');
    s.abandon('\u0000k');
    expect(s.begin('', 'k', 'a')).toEqual({ state: 'new', claim: '\u0000k' });
  });

  it('forgets keys after the window', () => {
    const s = store(1000);
    s.begin('', 'k', 'a');
    s.complete('\u0000k', 200, {});
    now = 1001;
    expect(s.begin('', 'k', 'a')).toEqual({ state: 'new', claim: '\u0000k' });
  });

  it('keeps memory bounded by dropping the oldest keys', () => {
    const s = store(60_000, 3);
    for (const k of ['a', 'b', 'c', 'd']) s.begin('', k, 'x');
    expect(s.size).toBe(3);
    expect(s.begin('', 'a', 'x')).toEqual({ state: 'new', claim: '\u0000a' });
  });
});
