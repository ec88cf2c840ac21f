import { IdempotencyLedger, parseLedgerRecord } from './idempotency-ledger';

describe('IdempotencyLedger', () => {
  const ledger = (max = 100) => new IdempotencyLedger(10_000, 1_000, max);

  it('gives the key to the first claim in the log and ignores the later ones', () => {
    const l = ledger();
    l.apply('k', { t: 'claim', id: 'a', fp: 'x' }, 0);
    l.apply('k', { t: 'claim', id: 'b', fp: 'x' }, 1);
    expect(l.entry('k')?.owner).toBe('a');
  });

  it("keeps the owner's result and ignores anyone else's", () => {
    const l = ledger();
    l.apply('k', { t: 'claim', id: 'a', fp: 'x' }, 0);
    l.apply('k', { t: 'result', id: 'b', status: 200, body: 'b' }, 1);
    expect(l.entry('k')?.result).toBeUndefined();
    l.apply('k', { t: 'result', id: 'a', status: 200, body: 'a' }, 2);
    expect(l.holding('k', 5_000)?.result).toEqual({ status: 200, body: 'a' });
  });

  it('frees the key when its owner releases it', () => {
    const l = ledger();
    l.apply('k', { t: 'claim', id: 'a', fp: 'x' }, 0);
    l.apply('k', { t: 'release', id: 'b' }, 1);
    expect(l.entry('k')?.owner).toBe('a');
    l.apply('k', { t: 'release', id: 'a' }, 2);
    l.apply('k', { t: 'claim', id: 'c', fp: 'y' }, 3);
    expect(l.entry('k')).toMatchObject({ owner: 'c', fingerprint: 'y' });
  });

  it('lets a claim take over one older than the claim lifetime without a result, and says so', () => {
    const expired: string[] = [];
    const l = new IdempotencyLedger(10_000, 1_000, 100, (claim) => expired.push(claim));
    l.apply('k', { t: 'claim', id: 'a', fp: 'x' }, 0);
    l.apply('k', { t: 'claim', id: 'b', fp: 'x' }, 999);
    expect(l.entry('k')?.owner).toBe('a');
    l.apply('k', { t: 'claim', id: 'c', fp: 'x' }, 1_000);
    expect(l.entry('k')?.owner).toBe('c');
    expect(expired).toEqual(['c']);
  });

  it('decides by log time, so a result holds for the TTL from its claim', () => {
    const l = ledger();
    l.apply('k', { t: 'claim', id: 'a', fp: 'x' }, 0);
    l.apply('k', { t: 'result', id: 'a', status: 200, body: {} }, 10);
    l.apply('k', { t: 'claim', id: 'b', fp: 'x' }, 9_999);
    expect(l.entry('k')?.owner).toBe('a');
    expect(l.holding('k', 10_000)).toBeUndefined();
    l.apply('k', { t: 'claim', id: 'c', fp: 'x' }, 10_000);
    expect(l.entry('k')?.owner).toBe('c');
  });

  it('keeps at most maxKeys, dropping the oldest', () => {
    const l = ledger(2);
    for (const [i, key] of ['a', 'b', 'c'].entries()) l.apply(key, { t: 'claim', id: key, fp: 'x' }, i);
    expect(l.size).toBe(2);
    expect(l.entry('a')).toBeUndefined();
  });

  it('wakes a waiter at the next record for its key', async () => {
    const l = ledger();
    l.apply('k', { t: 'claim', id: 'a', fp: 'x' }, 0);
    const waited = l.changed('k', 60_000);
    l.apply('k', { t: 'result', id: 'a', status: 200, body: {} }, 1);
    await waited;
    expect(l.entry('k')?.result).toBeDefined();
  });

  it('reads only the records it knows', () => {
    expect(parseLedgerRecord(Buffer.from('{"t":"claim","id":"a","fp":"x"}'))).toEqual({ t: 'claim', id: 'a', fp: 'x' });
    expect(parseLedgerRecord(Buffer.from('{"t":"claim","id":"a"}'))).toBeUndefined();
    expect(parseLedgerRecord(Buffer.from('not json'))).toBeUndefined();
    expect(parseLedgerRecord(null)).toBeUndefined();
  });
});
