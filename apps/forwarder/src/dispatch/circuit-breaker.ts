import type { Clock } from './clock';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitOptions {
  /** Consecutive failures (no answer, 408, 429, 5xx) that open the circuit. */
  threshold: number;
  /** How long the circuit stays open before one probe request is let through. */
  cooldownMs: number;
}

/** Lets one request through and must be told how it went (or released unanswered). */
export interface CircuitPermit {
  succeeded(): void;
  failed(): void;
  /** The request was never sent or its answer says nothing about the target's health. */
  release(): void;
}

/**
 * A circuit breaker for the target. After `threshold` failures in a row it opens: no requests
 * go out, so consumption stalls instead of draining the topic into the dead-letter topic; after
 * each cool-down exactly one probe goes out, and its success closes the circuit.
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private failuresInARow = 0;
  private openedAt = 0;
  private probing = false;
  private lastSuccess = -Infinity;
  private changed: Array<() => void> = [];
  private readonly listeners: Array<(state: CircuitState) => void> = [];

  constructor(
    private readonly options: CircuitOptions,
    private readonly clock: Clock,
  ) {}

  get state(): CircuitState {
    return this.current;
  }

  /** When the target last answered in a way that proves it works (any 2xx or final 4xx). */
  get lastSuccessAt(): number {
    return this.lastSuccess;
  }

  onStateChange(listener: (state: CircuitState) => void): void {
    this.listeners.push(listener);
  }

  /** A permit at once while the circuit is closed (no promise on the hot path), else undefined. */
  tryAcquire(): CircuitPermit | undefined {
    return this.current === 'closed' ? this.permit(false) : undefined;
  }

  /** Waits until a request may be sent; undefined when the signal aborted first. */
  async acquire(signal?: AbortSignal): Promise<CircuitPermit | undefined> {
    for (;;) {
      if (signal?.aborted) return undefined;
      if (this.current === 'closed') return this.permit(false);
      if (this.current === 'open') {
        const remaining = this.openedAt + this.options.cooldownMs - this.clock.now();
        if (remaining > 0) {
          await this.waitForChange(remaining, signal);
          continue;
        }
        this.transition('half-open');
      }
      if (!this.probing) {
        this.probing = true;
        return this.permit(true);
      }
      await this.waitForChange(this.options.cooldownMs, signal);
    }
  }

  private permit(probe: boolean): CircuitPermit {
    return new Permit(this, probe);
  }

  /** @internal The permit's verdict, applied once. */
  settle(probe: boolean, outcome: 'succeeded' | 'failed' | 'released'): void {
    if (probe) this.probing = false;
    if (outcome === 'succeeded') this.recordSuccess();
    else if (outcome === 'failed') this.recordFailure(probe);
    else this.wake();
  }

  private recordSuccess(): void {
    this.failuresInARow = 0;
    this.lastSuccess = this.clock.now();
    if (this.current !== 'closed') this.transition('closed');
  }

  private recordFailure(probe: boolean): void {
    this.failuresInARow++;
    if (
      (probe && this.current === 'half-open') ||
      (this.current === 'closed' && this.failuresInARow >= this.options.threshold)
    ) {
      this.openedAt = this.clock.now();
      this.transition('open');
    }
  }

  private transition(state: CircuitState): void {
    if (this.current === state) return;
    this.current = state;
    for (const listener of this.listeners) listener(state);
    this.wake();
  }

  private wake(): void {
    const waiters = this.changed;
    this.changed = [];
    for (const wake of waiters) wake();
  }

  private waitForChange(maxMs: number, signal?: AbortSignal): Promise<void> {
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    return Promise.race([
      this.clock.sleep(maxMs, stop.signal),
      new Promise<void>((resolve) => this.changed.push(resolve)),
    ]).finally(() => {
      stop.abort();
      signal?.removeEventListener('abort', onAbort);
    });
  }
}

/** A class rather than three closures: one small object per request. */
class Permit implements CircuitPermit {
  private settled = false;

  constructor(
    private readonly breaker: CircuitBreaker,
    private readonly probe: boolean,
  ) {}

  succeeded(): void {
    this.settle('succeeded');
  }

  failed(): void {
    this.settle('failed');
  }

  release(): void {
    this.settle('released');
  }

  private settle(outcome: 'succeeded' | 'failed' | 'released'): void {
    if (this.settled) return;
    this.settled = true;
    this.breaker.settle(this.probe, outcome);
  }
}
