import { CommitTracker } from './commit-tracker';

describe('CommitTracker', () => {
  it('commits nothing before anything is admitted', () => {
    expect(new CommitTracker().committable()).toBeUndefined();
  });

  it('never passes an unfinished record when completions arrive out of order', () => {
    const tracker = new CommitTracker();
    for (const o of [10n, 11n, 12n, 13n]) tracker.admit(o, 0);
    expect(tracker.committable()).toBe(10n);
    tracker.complete(12n);
    tracker.complete(11n);
    expect(tracker.committable()).toBe(10n);
    tracker.complete(10n);
    expect(tracker.committable()).toBe(13n);
    tracker.complete(13n);
    expect(tracker.committable()).toBe(14n);
    expect(tracker.unfinished).toBe(0);
  });

  it('names the oldest unfinished record and when it was admitted, as records finish', () => {
    const tracker = new CommitTracker();
    tracker.admit(3n, 100);
    tracker.admit(4n, 200);
    tracker.admit(5n, 300);
    expect(tracker.oldest()).toEqual({ offset: 3n, since: 100 });
    tracker.complete(4n);
    expect(tracker.oldest()).toEqual({ offset: 3n, since: 100 });
    tracker.complete(3n);
    expect(tracker.oldest()).toEqual({ offset: 5n, since: 300 });
    tracker.complete(5n);
    expect(tracker.oldest()).toBeUndefined();
  });

  it('steps over gaps in offsets, as compacted topics and transaction markers leave them', () => {
    const tracker = new CommitTracker();
    tracker.admit(5n, 0);
    tracker.admit(9n, 0);
    tracker.complete(9n);
    expect(tracker.committable()).toBe(5n);
    tracker.complete(5n);
    expect(tracker.committable()).toBe(10n);
  });

  it('knows the next offset it expects, so redelivered offsets can be recognised', () => {
    const tracker = new CommitTracker();
    tracker.admit(0n, 0);
    tracker.admit(1n, 0);
    expect(tracker.nextOffset).toBe(2n);
    expect(() => tracker.admit(1n, 0)).toThrow('offsets must increase');
  });

  it('stays correct over many records finished in reverse', () => {
    const tracker = new CommitTracker();
    for (let o = 0n; o < 5000n; o++) tracker.admit(o, 0);
    for (let o = 4999n; o >= 1n; o--) tracker.complete(o);
    expect(tracker.committable()).toBe(0n);
    tracker.complete(0n);
    expect(tracker.committable()).toBe(5000n);
  });
});
