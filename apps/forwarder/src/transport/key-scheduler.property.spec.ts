import fc from 'fast-check';
import { KeyScheduler } from './key-scheduler';

interface Job {
  id: number;
  lane?: string;
  fails: boolean;
}

type Command =
  | { kind: 'submit'; lane?: string; fails: boolean }
  | { kind: 'finish'; pick: number }
  | { kind: 'abandon' }
  | { kind: 'hold' }
  | { kind: 'release' };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('submit' as const),
      lane: fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { nil: undefined }),
      fails: fc.boolean(),
    }),
  },
  { weight: 8, arbitrary: fc.nat().map((pick): Command => ({ kind: 'finish', pick })) },
  { weight: 1, arbitrary: fc.constant<Command>({ kind: 'abandon' }) },
  { weight: 1, arbitrary: fc.constant<Command>({ kind: 'hold' }) },
  { weight: 1, arbitrary: fc.constant<Command>({ kind: 'release' }) },
);

/** Lets the scheduler's `.catch().then(finish)` chain run after a job's promise settles. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs one command sequence against a scheduler whose jobs finish only when the driver says so,
 * checking after every step what the scheduler promises, then drains it and checks that every job
 * not abandoned ran exactly once.
 */
async function drive(workers: number, maxPending: number, commands: Command[], abandonAllowed: boolean): Promise<void> {
  const started: Job[] = [];
  const running = new Map<number, { job: Job; finish: () => void }>();
  const admitted: Job[] = [];
  const abandoned = new Set<number>();
  const finished = new Set<number>();
  const violations: string[] = [];
  let held = false;

  const scheduler = new KeyScheduler<Job>(
    { workers, maxPending },
    (job) => job.lane,
    (job) => {
      // Checked at the moment of starting: a thrown expect here would be swallowed by the scheduler.
      if (abandoned.has(job.id)) violations.push(`job ${job.id} started after abandonQueued dropped it`);
      if (started.some((s) => s.id === job.id)) violations.push(`job ${job.id} started twice`);
      if (held) violations.push(`job ${job.id} started while held`);
      if (job.lane !== undefined && [...running.values()].some((r) => r.job.lane === job.lane))
        violations.push(`job ${job.id} started while lane ${job.lane} was busy`);
      if (running.size + 1 > workers)
        violations.push(`job ${job.id} started with ${running.size} of ${workers} workers busy`);
      started.push(job);
      return new Promise<void>((resolve, reject) => {
        running.set(job.id, { job, finish: () => (job.fails ? reject(new Error('delivery failed')) : resolve()) });
      });
    },
  );

  const waitingJobs = () => admitted.filter((j) => !abandoned.has(j.id) && !started.includes(j));

  const checkState = (after: string) => {
    const expectedPending = admitted.length - abandoned.size - finished.size;
    if (scheduler.pending !== expectedPending)
      violations.push(`${after}: pending ${scheduler.pending}, expected ${expectedPending}`);
    if (scheduler.pending > maxPending)
      violations.push(`${after}: pending ${scheduler.pending} over maxPending ${maxPending}`);
    if (scheduler.inFlight !== running.size)
      violations.push(`${after}: inFlight ${scheduler.inFlight}, ${running.size} running`);
    if (running.size > workers) violations.push(`${after}: ${running.size} running with ${workers} workers`);
    // Per lane, jobs start in admission order (abandoned jobs leave gaps, never reorder).
    const lanes = new Map<string, number[]>();
    for (const job of started)
      if (job.lane !== undefined) lanes.set(job.lane, [...(lanes.get(job.lane) ?? []), job.id]);
    for (const [lane, ids] of lanes)
      if (ids.some((id, i) => i > 0 && id < ids[i - 1]))
        violations.push(`${after}: lane ${lane} started out of order: ${ids.join(',')}`);
    // Work-conserving: an idle worker never sits next to a job that may start.
    if (!held && running.size < workers) {
      const busy = new Set([...running.values()].map((r) => r.job.lane));
      const firstPerLane = new Set<string>();
      const startable = waitingJobs().filter((j) => {
        if (j.lane === undefined) return true;
        if (busy.has(j.lane) || firstPerLane.has(j.lane)) return false;
        firstPerLane.add(j.lane);
        return true;
      });
      if (startable.length > 0)
        violations.push(`${after}: ${workers - running.size} worker(s) idle while job ${startable[0].id} could start`);
    }
  };

  let nextId = 1;
  for (const [step, c] of commands.entries()) {
    const label = `step ${step} (${c.kind})`;
    if (c.kind === 'submit') {
      // The caller respects the bound, as the consumer does with waitForCapacity().
      if (!scheduler.hasCapacity) {
        let woke = false;
        void scheduler.waitForCapacity().then(() => (woke = true));
        await settle();
        if (woke) violations.push(`${label}: waitForCapacity resolved while full`);
        continue;
      }
      const job: Job = { id: nextId++, lane: c.lane, fails: c.fails };
      admitted.push(job);
      scheduler.submit(job);
    } else if (c.kind === 'finish') {
      if (running.size === 0) continue;
      const [id, entry] = [...running.entries()][c.pick % running.size];
      running.delete(id);
      finished.add(id);
      entry.finish();
      await settle();
    } else if (c.kind === 'abandon') {
      if (!abandonAllowed) continue;
      const notStarted = waitingJobs();
      const dropped = scheduler.abandonQueued();
      if (dropped !== notStarted.length)
        violations.push(`${label}: abandonQueued dropped ${dropped}, ${notStarted.length} had not started`);
      for (const job of notStarted) abandoned.add(job.id);
    } else if (c.kind === 'hold') {
      held = true;
      scheduler.hold();
    } else {
      held = false;
      scheduler.release();
    }
    checkState(label);
    if (violations.length > 0) break;
  }

  // Drain: release and finish whatever runs until nothing is left.
  held = false;
  scheduler.release();
  const drained = scheduler.drained(2_000);
  for (let guard = 0; running.size > 0 && guard < 10_000 && violations.length === 0; guard++) {
    const [id, entry] = running.entries().next().value!;
    running.delete(id);
    finished.add(id);
    entry.finish();
    await settle();
    checkState('drain');
  }
  expect(violations).toEqual([]);
  expect(await drained).toBe(true);
  expect(scheduler.pending).toBe(0);
  expect(scheduler.inFlight).toBe(0);
  // Every job admitted and not abandoned ran exactly once; no abandoned job ever ran.
  const ranIds = started.map((j) => j.id).sort((a, b) => a - b);
  expect(ranIds).toEqual(admitted.filter((j) => !abandoned.has(j.id)).map((j) => j.id));
}

const scenario = fc.record({
  workers: fc.integer({ min: 1, max: 8 }),
  maxPending: fc.integer({ min: 1, max: 30 }),
  commands: fc.array(command, { minLength: 1, maxLength: 150, size: 'max' }),
});

describe('KeyScheduler (properties)', () => {
  it('runs every job exactly once, one at a time per lane in admission order, within workers and maxPending', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, ({ workers, maxPending, commands }) => drive(workers, maxPending, commands, false)),
      { numRuns: 200 },
    );
  });

  it('drops exactly the jobs not yet started when abandonQueued() is called, and runs the rest', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, ({ workers, maxPending, commands }) => drive(workers, maxPending, commands, true)),
      { numRuns: 200 },
    );
  });
});
