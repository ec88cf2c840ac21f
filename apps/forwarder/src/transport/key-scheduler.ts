import { HeadQueue } from '@app/common';

/**
 * Runs work items with at most `workers` at once, one at a time per lane (a key or a partition)
 * in admission order, and at most `maxPending` admitted and unfinished, so memory stays flat
 * with any backlog. Items without a lane run in any order.
 */
export class KeyScheduler<T> {
  private readonly lanes = new Map<string, Array<Entry<T>>>();
  private readonly runnable = new HeadQueue<Entry<T>>();
  private running = 0;
  private admitted = 0;
  private holding = false;
  private capacityWaiters: Array<{ room: number; wake: () => void }> = [];
  private idleWaiters: Array<() => void> = [];
  private settledWaiters: Array<() => void> = [];

  private readonly options: { workers: number; maxPending: number };

  constructor(
    options: { workers: number; maxPending: number },
    private readonly laneOf: (item: T) => string | undefined,
    private readonly run: (item: T) => Promise<void>,
  ) {
    this.options = { ...options };
  }

  /** Changes how many run at once and how many may be admitted; what is already admitted stays. */
  resize(workers: number, maxPending: number): void {
    this.options.workers = workers;
    this.options.maxPending = maxPending;
    this.dispatch();
    this.notify();
  }

  /** Admitted and not finished (queued or running). */
  get pending(): number {
    return this.admitted;
  }

  get inFlight(): number {
    return this.running;
  }

  get hasCapacity(): boolean {
    return this.admitted < this.options.maxPending;
  }

  /** How many items may be admitted and unfinished at once. */
  get capacity(): number {
    return this.options.maxPending;
  }

  /** Room for this many more items (0 when full). */
  get room(): number {
    return Math.max(0, this.options.maxPending - this.admitted);
  }

  /**
   * Resolves once `room` more items may be admitted (capped at the whole window), or when `signal`
   * aborts. Asking for more than one lets a caller admit a run of items per wait, not one each.
   */
  waitForCapacity(signal?: AbortSignal, room = 1): Promise<void> {
    if (this.hasRoom(room) || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      this.capacityWaiters.push({ room, wake });
      signal?.addEventListener('abort', wake, { once: true });
    });
  }

  private hasRoom(room: number): boolean {
    return this.room >= Math.max(1, Math.min(room, this.options.maxPending));
  }

  submit(item: T): void {
    this.admitted++;
    // The lane is worked out once per item: for key ordering it is built from the record's key.
    const entry: Entry<T> = { item, lane: this.laneOf(item), started: false };
    if (entry.lane === undefined) {
      this.runnable.push(entry);
    } else {
      const queue = this.lanes.get(entry.lane);
      if (queue) {
        queue.push(entry);
      } else {
        this.lanes.set(entry.lane, [entry]);
        this.runnable.push(entry);
      }
    }
    this.dispatch();
  }

  /** Resolves true once nothing is pending, false if the timeout passes first. */
  drained(timeoutMs: number): Promise<boolean> {
    return this.waitUntil(this.admitted === 0, this.idleWaiters, timeoutMs);
  }

  /** Resolves true once nothing is running (queued items may remain), false on timeout. */
  settled(timeoutMs: number): Promise<boolean> {
    return this.waitUntil(this.running === 0, this.settledWaiters, timeoutMs);
  }

  /** Starts nothing new until release(); what runs finishes. */
  hold(): void {
    this.holding = true;
  }

  release(): void {
    this.holding = false;
    this.dispatch();
  }

  /**
   * Forgets every item not yet started (at shutdown): they stay unfinished, so they are not
   * committed and the next owner of their partition delivers them.
   */
  abandonQueued(): number {
    let dropped = 0;
    for (const [lane, queue] of this.lanes) {
      const running = queue.filter((entry) => entry.started);
      dropped += queue.length - running.length;
      if (running.length > 0) this.lanes.set(lane, running);
      else this.lanes.delete(lane);
    }
    for (const entry of this.runnable) if (entry.lane === undefined) dropped++;
    this.runnable.clear();
    this.admitted -= dropped;
    this.notify();
    return dropped;
  }

  private waitUntil(done: boolean, waiters: Array<() => void>, timeoutMs: number): Promise<boolean> {
    if (done) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private dispatch(): void {
    while (!this.holding && this.running < this.options.workers && this.runnable.length > 0) {
      const entry = this.runnable.shift()!;
      this.running++;
      entry.started = true;
      // One reaction for either outcome: a failed item finishes like any other.
      const finish = () => this.finish(entry);
      void this.run(entry.item).then(finish, finish);
    }
  }

  private finish(entry: Entry<T>): void {
    this.running--;
    this.admitted--;
    if (entry.lane !== undefined) {
      const queue = this.lanes.get(entry.lane)!;
      queue.shift();
      if (queue.length > 0) this.runnable.push(queue[0]);
      else this.lanes.delete(entry.lane);
    }
    this.dispatch();
    this.notify();
  }

  private notify(): void {
    if (this.hasCapacity && this.capacityWaiters.length > 0) {
      // One pass, kept waiters compacted in place: no array is rebuilt on a finish while they wait.
      const waiters = this.capacityWaiters;
      let kept = 0;
      for (const waiter of waiters) {
        if (this.hasRoom(waiter.room)) waiter.wake();
        else waiters[kept++] = waiter;
      }
      waiters.length = kept;
    }
    if (this.admitted === 0) this.idleWaiters = wakeAll(this.idleWaiters);
    if (this.running === 0) this.settledWaiters = wakeAll(this.settledWaiters);
  }
}

interface Entry<T> {
  item: T;
  lane: string | undefined;
  started: boolean;
}

function wakeAll(waiters: Array<() => void>): Array<() => void> {
  for (const wake of waiters) wake();
  return [];
}
