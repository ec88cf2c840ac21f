import { AdaptiveLimit } from './adaptive-limit';
import type { Clock } from './clock';
import { WaiterQueue } from './waiter-queue';

export interface ConcurrencyLimiterOptions {
  /** 'auto' adapts the limit between min and max; 'fixed' holds it at `initial`. */
  mode: 'auto' | 'fixed';
  initial: number;
  min: number;
  max: number;
}

/** What one request's answer says about the target's capacity. */
export type LimiterSample =
  /** An answer (any status but 429/503): the target had room; its latency is sampled. */
  | 'ok'
  /** 429, 503, a timeout or a refused connection: slow down. */
  | 'overload'
  /** Cancelled before an answer: says nothing. */
  | 'dropped';

/** One request's place in the limit; released exactly once with what its answer said. */
export interface LimiterSlot {
  release(sample: LimiterSample, latencyMs?: number): void;
}

export interface LimitChange {
  from: number;
  to: number;
  reason: string;
}

/**
 * How many deliveries may be in flight at once, found from what the target answers: the
 * adaptive concurrency limiting of TCP congestion control and Netflix's concurrency-limits.
 *
 * - Growth: while answers come back without overload and latency stays within twice its recent
 *   baseline, the limit doubles each window of answers (slow start) until the first sign of
 *   saturation, then grows by its square root per window (a window: max(20, limit/2) answers);
 *   within one step of the level where
 *   the target last refused, it probes one more slot per second.
 * - Overload (429, 503, timeouts, refused connections) at more than a stray rate: the limit drops
 *   to 90% of itself, or to one below the concurrency at which the target refused, whichever is
 *   lower, once per round of requests; that level becomes the ceiling for 30 s.
 * - Latency: a window whose mean latency exceeds twice the baseline (the lowest window mean of the
 *   last 30-60 s), and by more than 2 ms, cuts the
 *   limit in proportion (by a fifth to a half). If two cuts in a row leave it no faster, the
 *   target became slower on its own: the slower latency becomes the baseline and the limit goes
 *   back to where it was.
 *
 * 'fixed' mode keeps the limit where it was set and only counts.
 */
export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiters = new WaiterQueue<LimiterSlot>();
  private readonly adaptive: AdaptiveLimit;

  constructor(options: ConcurrencyLimiterOptions, clock: Clock) {
    this.adaptive = new AdaptiveLimit(options, clock, {
      inFlight: () => this.running,
      limitSet: () => this.wakeWaiters(),
    });
  }

  get auto(): boolean {
    return this.adaptive.auto;
  }

  /** The whole number of requests allowed in flight. */
  get limit(): number {
    return this.adaptive.limit;
  }

  get inFlight(): number {
    return this.running;
  }

  /**
   * True while the limiter is backing off from 429/503 answers (it cut the limit for them in the
   * last 30 s and is not yet at its minimum): such answers are then the limiter's business, and
   * a record's retries are not spent on them.
   */
  get backingOff(): boolean {
    return this.adaptive.backingOff;
  }

  onChange(listener: (change: LimitChange) => void): void {
    this.adaptive.onChange(listener);
  }

  /** A slot at once when there is room, else undefined. */
  tryAcquire(): LimiterSlot | undefined {
    if (this.running >= this.limit || this.waiters.length > 0) return undefined;
    return this.take();
  }

  /** Waits, in arrival order, for a slot; undefined when the signal aborts first. */
  acquire(signal?: AbortSignal): Promise<LimiterSlot | undefined> {
    const slot = this.tryAcquire();
    if (slot || signal?.aborted) return Promise.resolve(slot);
    return this.waiters.wait(signal);
  }

  private take(): LimiterSlot {
    this.running++;
    const concurrency = this.running;
    const seq = this.adaptive.sending(concurrency);
    let released = false;
    return {
      release: (sample, latencyMs) => {
        if (released) return;
        released = true;
        this.running--;
        this.adaptive.answered(seq, concurrency, sample, latencyMs);
        this.wakeWaiters();
      },
    };
  }

  private wakeWaiters(): void {
    while (this.running < this.limit) {
      if (!this.waiters.serveNext(() => this.take())) return;
    }
  }
}
