import { sleep } from '@app/common';

/** Time, injected so retry and circuit logic can be tested without real sleeping. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = { now: () => Date.now(), sleep };
