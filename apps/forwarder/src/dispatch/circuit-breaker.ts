import type { Clock } from './clock';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitOptions {
  /** Failures in a row (no answer, 408, 429, 5xx) that open the circuit, from enough lanes (see below). */
  threshold: number;
  /** How long the circuit stays open before one probe request is let through. */
  cooldownMs: number;
}

/** Lets one request through and must be told how it went (or released unanswered). */
export interface CircuitPermit {
  succeeded(): void;
  /**
   * The answer is evidence that the target is down. `lane` names the record's key (see
   * `laneOf`); `connection`: no connection could be made, which no record can cause.
   */
  failed(lane: string, connection: boolean): void;
  /** The request was never sent, or its answer says nothing about the target's health. */
  release(): void;
}

/**
 * Distinct lanes whose failures, in a row, are needed to open the circuit on HTTP failures and
 * timeouts (capped by the threshold): one payload can make a target answer 500 or hang, three
 * keys failing together while nothing succeeds is an outage.
 */
export const OUTAGE_LANES = 3;

/**
 * A circuit breaker for the target. It opens on evidence that the target is down, not that one
 * record is refused: `threshold` failures in a row (no success between) that come from at least
 * OUTAGE_LANES different lanes, or `threshold` connection failures in a row from any. Failures
 * of a record the target refuses while it answers others are not evidence at all: the dispatcher
 * releases their permits (TargetEvidence decides), so a poison record can neither open the
 * circuit nor keep it open as a failed probe. Open, no requests go out and consumption pauses,
 * so an outage does not drain the topic into the dead-letter topic; after each cool-down one
 * probe goes out, and its success closes the circuit.
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private failuresInARow = 0;
  private connectionFailuresInARow = 0;
  /** Lanes among the failures in a row, up to as many as are needed. */
  private readonly failingLanes = new Set<string>();
  private readonly lanesNeeded: number;
  private openedAt = 0;
  private probing = false;
  private changed: Array<() => void> = [];
  private readonly listeners: Array<(state: CircuitState) => void> = [];

  constructor(
    private readonly options: CircuitOptions,
    private readonly clock: Clock,
  ) {
    this.lanesNeeded = Math.max(1, Math.min(OUTAGE_LANES, options.threshold));
  }

  get state(): CircuitState {
    return this.current;
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
  settle(probe: boolean, outcome: 'succeeded' | 'released'): void;
  settle(probe: boolean, outcome: 'failed', lane: string, connection: boolean): void;
  settle(probe: boolean, outcome: 'succeeded' | 'failed' | 'released', lane?: string, connection = false): void {
    if (probe) this.probing = false;
    if (outcome === 'succeeded') this.recordSuccess();
    else if (outcome === 'failed') this.recordFailure(probe, lane!, connection);
    else this.wake();
  }

  private recordSuccess(): void {
    // Nearly every answer: nothing to forget and nothing to close.
    if (this.failuresInARow === 0 && this.current === 'closed') return;
    this.failuresInARow = 0;
    this.connectionFailuresInARow = 0;
    this.failingLanes.clear();
    if (this.current !== 'closed') this.transition('closed');
  }

  private recordFailure(probe: boolean, lane: string, connection: boolean): void {
    this.failuresInARow++;
    this.connectionFailuresInARow = connection ? this.connectionFailuresInARow + 1 : 0;
    if (this.failingLanes.size < this.lanesNeeded) this.failingLanes.add(lane);
    const { threshold } = this.options;
    const outage =
      this.failuresInARow >= threshold &&
      (this.failingLanes.size >= this.lanesNeeded || this.connectionFailuresInARow >= threshold);
    if ((probe && this.current === 'half-open') || (this.current === 'closed' && outage)) {
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
    if (this.settle()) this.breaker.settle(this.probe, 'succeeded');
  }

  failed(lane: string, connection: boolean): void {
    if (this.settle()) this.breaker.settle(this.probe, 'failed', lane, connection);
  }

  release(): void {
    if (this.settle()) this.breaker.settle(this.probe, 'released');
  }

  /** True the first time only: a permit is settled once. */
  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    return true;
  }
}
