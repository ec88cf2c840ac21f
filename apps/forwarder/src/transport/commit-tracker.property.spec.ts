import fc from 'fast-check';
import { CommitTracker } from './commit-tracker';

/** One step of a run: admit the next offset, or complete one admitted, unfinished offset. */
type Step = { kind: 'admit' } | { kind: 'complete'; pick: number };

/** What the tracker must answer, kept the obvious way: a list of admitted offsets and a set of done ones. */
class CommitModel {
  readonly admitted: bigint[] = [];
  readonly done = new Set<bigint>();
  private frontier = 0;

  get unfinished(): number {
    return this.admitted.length - this.done.size;
  }

  /** The smallest admitted offset not done, or the last admitted + 1 when all are done. */
  committable(): bigint | undefined {
    if (this.admitted.length === 0) return undefined;
    while (this.frontier < this.admitted.length && this.done.has(this.admitted[this.frontier])) this.frontier++;
    return this.frontier < this.admitted.length
      ? this.admitted[this.frontier]
      : this.admitted[this.admitted.length - 1] + 1n;
  }

  open(): bigint[] {
    return this.admitted.filter((offset) => !this.done.has(offset));
  }
}

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constant<Step>({ kind: 'admit' }),
  fc.nat().map<Step>((pick) => ({ kind: 'complete', pick })),
);

/** Gaps between offsets: mostly 1, sometimes the holes compaction and transaction markers leave. */
const gap = fc.oneof(
  { weight: 6, arbitrary: fc.constant(1n) },
  { weight: 3, arbitrary: fc.bigInt(2n, 5n) },
  { weight: 1, arbitrary: fc.bigInt(6n, 1_000_000n) },
);

/**
 * Drives tracker and model through the same steps, checking the contract after every one. Plain
 * comparisons, reported once at the end: thousands of expect() calls per run would dominate the time.
 */
function check(first: bigint, gaps: fc.Stream<bigint>, steps: Step[], finishAll: boolean): void {
  const tracker = new CommitTracker();
  const model = new CommitModel();
  let next = first;
  let previous: bigint | undefined;
  const apply = (s: Step): string | undefined => {
    let what: string;
    if (s.kind === 'admit') {
      if (model.admitted.length > 0) next += gaps.next().value as bigint;
      tracker.admit(next, 0);
      model.admitted.push(next);
      what = `admit ${next}`;
    } else {
      const open = model.open();
      if (open.length === 0) return undefined;
      const offset = open[s.pick % open.length];
      tracker.complete(offset);
      model.done.add(offset);
      what = `complete ${offset}`;
    }
    const committable = tracker.committable()!;
    const expected = model.committable()!;
    if (committable !== expected) return `after ${what}: committable ${committable}, expected ${expected}`;
    const passed = model.open().find((offset) => offset < committable);
    if (passed !== undefined) return `after ${what}: committable ${committable} passes unfinished ${passed}`;
    if (previous !== undefined && committable < previous)
      return `after ${what}: committable went back from ${previous} to ${committable}`;
    if (tracker.unfinished !== model.unfinished)
      return `after ${what}: unfinished ${tracker.unfinished}, expected ${model.unfinished}`;
    if (tracker.nextOffset !== next + 1n)
      return `after ${what}: nextOffset ${tracker.nextOffset}, expected ${next + 1n}`;
    previous = committable;
    return undefined;
  };
  expect(tracker.committable()).toBeUndefined();
  let problem: string | undefined;
  for (const s of steps) if ((problem = apply(s))) break;
  if (!problem && finishAll) while (!problem && model.unfinished > 0) problem = apply({ kind: 'complete', pick: 0 });
  expect(problem).toBeUndefined();
  if (finishAll && model.admitted.length > 0) expect(tracker.committable()).toBe(next + 1n);
}

describe('CommitTracker (properties)', () => {
  it('never commits past an unfinished record, never moves back, and counts what is unfinished', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(0n), fc.bigInt(0n, 2n ** 62n)),
        fc.infiniteStream(gap),
        fc.array(step, { maxLength: 300, size: 'max' }),
        fc.boolean(),
        check,
      ),
      { numRuns: 200 },
    );
  });

  it('stays exact past its compaction threshold, with completions in near order', () => {
    // More than 1024 records finished from the front makes the tracker compact its queue.
    const nearOrder = fc
      .integer({ min: 1030, max: 2200 })
      .chain((count) =>
        fc.tuple(
          fc.constant(count),
          fc.array(fc.tuple(fc.nat(count - 1), fc.integer({ min: 1, max: 40 })), { maxLength: 60, size: 'max' }),
        ),
      );
    fc.assert(
      fc.property(fc.infiniteStream(gap), nearOrder, fc.nat(), (gaps, [count, swaps], holdBack) => {
        const tracker = new CommitTracker();
        const model = new CommitModel();
        let offset = 0n;
        for (let i = 0; i < count; i++) {
          if (i > 0) offset += gaps.next().value as bigint;
          tracker.admit(offset, 0);
          model.admitted.push(offset);
        }
        const order = [...model.admitted];
        for (const [at, distance] of swaps) {
          const other = Math.min(order.length - 1, at + distance);
          [order[at], order[other]] = [order[other], order[at]];
        }
        // Leave one record unfinished somewhere, so the frontier must stop right there.
        const kept = order.splice(holdBack % order.length, 1)[0];
        let previous = tracker.committable()!;
        // Plain comparisons in the loop: thousands of expect() calls per run would dominate the time.
        let firstWrong: string | undefined;
        for (const done of order) {
          tracker.complete(done);
          model.done.add(done);
          const committable = tracker.committable()!;
          if (firstWrong === undefined && (committable !== model.committable() || committable < previous)) {
            firstWrong = `after completing ${done}: committable ${committable}, expected ${model.committable()} (was ${previous})`;
          }
          previous = committable;
        }
        expect(firstWrong).toBeUndefined();
        expect(tracker.committable()).toBe(kept);
        expect(tracker.unfinished).toBe(1);
        tracker.complete(kept);
        expect(tracker.committable()).toBe(offset + 1n);
        expect(tracker.unfinished).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
