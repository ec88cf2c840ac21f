import { HeadQueue } from '@app/common';

interface Waiter<T> {
  resolve: (value: T | undefined) => void;
  signal?: AbortSignal;
  settled: boolean;
}

/**
 * Callers waiting for something, served in arrival order. A waiter whose signal aborts is resolved
 * with undefined at once and skipped when its turn comes.
 */
export class WaiterQueue<T> {
  private readonly waiters = new HeadQueue<Waiter<T>>();
  /** Waiters by the signal that cancels them: one abort listener per signal, not one per waiter. */
  private readonly waitingUnder = new WeakMap<AbortSignal, Set<Waiter<T>>>();

  /** Waiters in the queue, those that gave up but were not reached yet included. */
  get length(): number {
    return this.waiters.length;
  }

  /** Waits for its turn; undefined when the signal aborts first. */
  wait(signal?: AbortSignal): Promise<T | undefined> {
    return new Promise((resolve) => {
      const waiter: Waiter<T> = { resolve, signal, settled: false };
      this.waiters.push(waiter);
      if (signal) this.waitersUnder(signal).add(waiter);
    });
  }

  /** Hands what `take` makes to the first waiter still waiting; false, and nothing taken, when there is none. */
  serveNext(take: () => T): boolean {
    while (this.waiters.length > 0) {
      const waiter = this.waiters.shift()!;
      if (waiter.settled) continue;
      waiter.settled = true;
      if (waiter.signal) this.waitingUnder.get(waiter.signal)?.delete(waiter);
      waiter.resolve(take());
      return true;
    }
    return false;
  }

  private waitersUnder(signal: AbortSignal): Set<Waiter<T>> {
    let waiters = this.waitingUnder.get(signal);
    if (!waiters) {
      const set = new Set<Waiter<T>>();
      waiters = set;
      this.waitingUnder.set(signal, set);
      signal.addEventListener(
        'abort',
        () => {
          for (const waiter of set) {
            waiter.settled = true;
            waiter.resolve(undefined);
          }
          set.clear();
        },
        { once: true },
      );
    }
    return waiters;
  }
}
