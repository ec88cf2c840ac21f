import { KeyScheduler } from './key-scheduler';

interface Job {
  id: number;
  lane?: string;
}

/** A scheduler whose jobs finish only when the test says so. */
function harness(workers: number, maxPending = 100) {
  const started: number[] = [];
  const finishers = new Map<number, () => void>();
  const scheduler = new KeyScheduler<Job>(
    { workers, maxPending },
    (job) => job.lane,
    (job) =>
      new Promise<void>((resolve) => {
        started.push(job.id);
        finishers.set(job.id, resolve);
      }),
  );
  const finish = async (id: number) => {
    finishers.get(id)!();
    await new Promise((r) => setImmediate(r));
  };
  return { scheduler, started, finish };
}

describe('KeyScheduler', () => {
  it('runs one job at a time per lane, in admission order', async () => {
    const { scheduler, started, finish } = harness(8);
    scheduler.submit({ id: 1, lane: 'a' });
    scheduler.submit({ id: 2, lane: 'a' });
    scheduler.submit({ id: 3, lane: 'a' });
    expect(started).toEqual([1]);
    await finish(1);
    expect(started).toEqual([1, 2]);
    await finish(2);
    await finish(3);
    expect(started).toEqual([1, 2, 3]);
  });

  it('runs different lanes in parallel, up to the worker count', async () => {
    const { scheduler, started, finish } = harness(2);
    for (const [id, lane] of [
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
      [4, 'a'],
    ] as const)
      scheduler.submit({ id, lane });
    expect(started).toEqual([1, 2]);
    expect(scheduler.inFlight).toBe(2);
    await finish(2);
    expect(started).toEqual([1, 2, 3]);
    await finish(1);
    expect(started).toEqual([1, 2, 3, 4]);
  });

  it('lets a lane wait without holding a worker', async () => {
    const { scheduler, started, finish } = harness(2);
    scheduler.submit({ id: 1, lane: 'a' });
    scheduler.submit({ id: 2, lane: 'a' });
    scheduler.submit({ id: 3, lane: 'b' });
    expect(started).toEqual([1, 3]);
    await finish(3);
    expect(scheduler.inFlight).toBe(1);
    await finish(1);
    expect(started).toEqual([1, 3, 2]);
  });

  it('runs lane-less jobs in any order, limited only by workers', async () => {
    const { scheduler, started } = harness(3);
    for (let id = 1; id <= 5; id++) scheduler.submit({ id });
    expect(started).toEqual([1, 2, 3]);
  });

  it('bounds admitted-but-unfinished jobs and wakes the admitter when one finishes', async () => {
    const { scheduler, finish } = harness(1, 2);
    scheduler.submit({ id: 1, lane: 'a' });
    scheduler.submit({ id: 2, lane: 'a' });
    expect(scheduler.hasCapacity).toBe(false);
    let admitted = false;
    const waiting = scheduler.waitForCapacity().then(() => (admitted = true));
    await new Promise((r) => setImmediate(r));
    expect(admitted).toBe(false);
    await finish(1);
    await waiting;
    expect(admitted).toBe(true);
  });

  it('wakes an admitter that asks for room for a run only once that much is free, and never for more than the window', async () => {
    const { scheduler, finish } = harness(8, 8);
    for (let id = 1; id <= 8; id++) scheduler.submit({ id });
    let admitted = false;
    const waiting = scheduler.waitForCapacity(undefined, 3).then(() => (admitted = true));
    await finish(1);
    await finish(2);
    expect(scheduler.room).toBe(2);
    expect(admitted).toBe(false);
    await finish(3);
    await waiting;
    expect(admitted).toBe(true);
    // Room for more than the whole window means all of it.
    const whole = scheduler.waitForCapacity(undefined, 1_000);
    for (let id = 4; id <= 8; id++) await finish(id);
    await expect(whole).resolves.toBeUndefined();
    expect(scheduler.room).toBe(8);
  });

  it('wakes an admitter with room while one asking for more keeps waiting, whichever asked first', async () => {
    const { scheduler, finish } = harness(4, 4);
    for (let id = 1; id <= 4; id++) scheduler.submit({ id });
    const woken: string[] = [];
    const big = scheduler.waitForCapacity(undefined, 3).then(() => woken.push('big'));
    const small = scheduler.waitForCapacity(undefined, 1).then(() => woken.push('small'));
    await finish(1);
    await small;
    expect(woken).toEqual(['small']);
    await finish(2);
    expect(woken).toEqual(['small']);
    await finish(3);
    await big;
    expect(woken).toEqual(['small', 'big']);
  });

  it('frees the place of a job that fails, and runs the next one of its lane', async () => {
    const started: number[] = [];
    const scheduler = new KeyScheduler<Job>(
      { workers: 1, maxPending: 2 },
      (job) => job.lane,
      (job) => {
        started.push(job.id);
        return job.id === 1 ? Promise.reject(new Error('bug')) : Promise.resolve();
      },
    );
    scheduler.submit({ id: 1, lane: 'a' });
    scheduler.submit({ id: 2, lane: 'a' });
    await expect(scheduler.drained(1_000)).resolves.toBe(true);
    expect(started).toEqual([1, 2]);
    expect(scheduler.room).toBe(2);
  });

  it('reports when everything admitted has finished', async () => {
    const { scheduler, finish } = harness(2);
    scheduler.submit({ id: 1 });
    scheduler.submit({ id: 2 });
    const drained = scheduler.drained(5_000);
    await finish(1);
    await finish(2);
    await expect(drained).resolves.toBe(true);
    await expect(harness(1).scheduler.drained(10)).resolves.toBe(true);
  });
});

describe('KeyScheduler at shutdown and rebalance', () => {
  it('abandons what has not started, keeps what runs, and reports when the running settle', async () => {
    const { scheduler, started, finish } = harness(2);
    scheduler.submit({ id: 1, lane: 'a' });
    scheduler.submit({ id: 2, lane: 'a' });
    scheduler.submit({ id: 3 });
    scheduler.submit({ id: 4 });
    scheduler.submit({ id: 5, lane: 'b' });
    expect(started).toEqual([1, 3]);
    expect(scheduler.abandonQueued()).toBe(3);
    expect(scheduler.pending).toBe(2);
    const settled = scheduler.settled(5_000);
    await finish(1);
    await finish(3);
    await expect(settled).resolves.toBe(true);
    expect(started).toEqual([1, 3]);
    expect(scheduler.pending).toBe(0);
  });

  it('starts nothing new while held, and resumes on release', async () => {
    const { scheduler, started, finish } = harness(1);
    scheduler.submit({ id: 1 });
    scheduler.submit({ id: 2 });
    scheduler.hold();
    await finish(1);
    expect(started).toEqual([1]);
    scheduler.release();
    expect(started).toEqual([1, 2]);
  });
});
