import { HeadQueue } from '@app/common';
import type { Clock } from './clock';

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

/** Latency above this many times the baseline means requests queue at the target... */
const LATENCY_TOLERANCE = 2;
/** ...when it is also this much above it: a millisecond's wobble on a fast target is not a queue. */
const LATENCY_MARGIN_MS = 2;
/** The baseline is the lowest window mean of the last 30-60 s: two buckets of this length. */
const BASELINE_BUCKET_MS = 30_000;
/** Latency over this many times the baseline (plus 1 ms) ends slow start. */
const SLOW_START_EXIT = 1.25;
/** Answers per latency window, at least: fewer make a noisy mean. */
const MIN_WINDOW = 20;
/** A latency cut takes at least a fifth off, and at most half, so its effect can be seen. */
const LATENCY_CUT = { least: 0.5, most: 0.8 };
/** A latency cut that left latency above this share of what it was did not help: not our queue. */
const NO_IMPROVEMENT = 0.9;
/** Multiplicative decrease on overload, as in AIMD. */
const BACKOFF = 0.9;
/** Overload share (decaying average over about max(50, limit) answers) that means saturation... */
const OVERLOAD_RATE = 0.08;
/** ...with at least this many refusals since the last cut: a random 503 or two is not saturation. */
const MIN_OVERLOADS = 4;
const OVERLOAD_WINDOW = 50;
/** Near the capacity where the target last refused, grow by one at most this often. */
const PROBE_INTERVAL_MS = 1_000;
/** How long a refusal's lesson lasts: the ceiling, and 429/503 answers not charged to records. */
const CEILING_TTL_MS = 30_000;

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
  private current: number;
  private running = 0;
  private readonly waiters = new HeadQueue<Waiter>();
  /** Waiters by the signal that cancels them: one abort listener per signal, not one per waiter. */
  private readonly waitingUnder = new WeakMap<AbortSignal, Set<Waiter>>();
  private readonly listeners: Array<(change: LimitChange) => void> = [];

  private sent = 0;
  /** Answers to requests sent before this sequence number say nothing about the current limit. */
  private cutSeq = 0;
  private overloadRate = 0;
  private overloadsSinceCut = 0;
  /** The lowest concurrency at which the target refused since the last cut. */
  private refusedAt = Infinity;
  private lastOverloadCutAt = -Infinity;
  private ceiling?: number;
  private slowStart = true;
  private lastGrowthAt = -Infinity;

  /** Lowest window mean in the current and the previous baseline bucket. */
  private baselineNow = Infinity;
  private baselineBefore = Infinity;
  private bucketStartedAt = -Infinity;
  private windowStartSeq = 0;
  private windowCount = 0;
  private windowSum = 0;
  private windowPeak = 0;
  private latencyCut?: { mean: number; limitBefore: number; cuts: number };
  /** After a cut, latency is measured again only once the requests beyond the new limit are back. */
  private draining = false;

  constructor(
    private readonly options: ConcurrencyLimiterOptions,
    private readonly clock: Clock,
  ) {
    this.current = clamp(options.initial, options.min, options.max);
  }

  get auto(): boolean {
    return this.options.mode === 'auto';
  }

  /** The whole number of requests allowed in flight. */
  get limit(): number {
    return Math.floor(this.current);
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
    return this.auto && this.current > this.options.min && this.clock.now() - this.lastOverloadCutAt <= CEILING_TTL_MS;
  }

  onChange(listener: (change: LimitChange) => void): void {
    this.listeners.push(listener);
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
    return new Promise((resolve) => {
      const waiter: Waiter = { resolve, signal, settled: false };
      this.waiters.push(waiter);
      if (signal) this.waitersUnder(signal).add(waiter);
    });
  }

  private waitersUnder(signal: AbortSignal): Set<Waiter> {
    let waiters = this.waitingUnder.get(signal);
    if (!waiters) {
      const set = new Set<Waiter>();
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

  private take(): LimiterSlot {
    this.running++;
    const seq = this.sent++;
    const concurrency = this.running;
    if (concurrency > this.windowPeak) this.windowPeak = concurrency;
    let released = false;
    return {
      release: (sample, latencyMs) => {
        if (released) return;
        released = true;
        this.running--;
        if (this.auto) {
          this.observe(seq, concurrency, sample, latencyMs);
          if (this.draining && this.running <= this.limit) {
            this.draining = false;
            this.restartWindow();
          }
        }
        this.wakeWaiters();
      },
    };
  }

  private wakeWaiters(): void {
    while (this.running < this.limit && this.waiters.length > 0) {
      const waiter = this.waiters.shift()!;
      if (waiter.settled) continue;
      waiter.settled = true;
      if (waiter.signal) this.waitingUnder.get(waiter.signal)?.delete(waiter);
      waiter.resolve(this.take());
    }
  }

  private observe(seq: number, concurrency: number, sample: LimiterSample, latencyMs: number | undefined): void {
    if (sample === 'dropped') return;
    const window = Math.max(OVERLOAD_WINDOW, this.current);
    this.overloadRate += ((sample === 'overload' ? 1 : 0) - this.overloadRate) / window;
    if (sample === 'overload') {
      if (seq < this.cutSeq) return;
      this.overloadsSinceCut++;
      this.refusedAt = Math.min(this.refusedAt, concurrency);
      if (this.overloadsSinceCut >= MIN_OVERLOADS && this.overloadRate >= OVERLOAD_RATE) this.cutForOverload();
      return;
    }
    if (latencyMs === undefined || seq < this.windowStartSeq || this.draining) return;
    this.windowCount++;
    this.windowSum += latencyMs;
    if (this.windowCount >= Math.max(MIN_WINDOW, Math.ceil(this.current / 2))) this.closeWindow();
  }

  private cutForOverload(): void {
    const now = this.clock.now();
    const before = this.current;
    this.ceiling = before;
    this.lastOverloadCutAt = now;
    this.slowStart = false;
    const to = Math.max(this.options.min, Math.min(before * BACKOFF, this.refusedAt - 1));
    this.set(
      to,
      `the target refused ${this.overloadsSinceCut} request(s) (429/503, timeouts or refused connections) at ${this.refusedAt} in flight`,
    );
    this.overloadRate = 0;
    this.overloadsSinceCut = 0;
    this.refusedAt = Infinity;
    this.cutSeq = this.sent;
    this.lastGrowthAt = now;
    this.draining = true;
  }

  private closeWindow(): void {
    const mean = this.windowSum / this.windowCount;
    const peak = this.windowPeak;
    this.restartWindow();
    const now = this.clock.now();
    // A ceiling passed without a refusal, or an old one, no longer says where the target's capacity is.
    if (
      this.ceiling !== undefined &&
      (this.current >= this.ceiling + 1 || now - this.lastOverloadCutAt > CEILING_TTL_MS)
    )
      this.ceiling = undefined;
    const baseline = this.baseline(now, mean);
    const tolerated = Math.max(LATENCY_TOLERANCE * baseline, baseline + LATENCY_MARGIN_MS);

    if (mean > tolerated) {
      const previous = this.latencyCut;
      const noBetter = previous !== undefined && mean >= NO_IMPROVEMENT * previous.mean;
      if (previous && noBetter && previous.cuts >= 2) {
        // Two cuts did not make it faster: the target is slower on its own, and its capacity is
        // unknown again: back to where it was, then slow start.
        this.baselineNow = this.baselineBefore = mean;
        this.latencyCut = undefined;
        this.slowStart = true;
        this.set(
          Math.max(this.current, previous.limitBefore),
          `latency stayed at ${fmt(mean)} ms with fewer requests: new baseline`,
        );
        return;
      }
      this.latencyCut =
        previous && noBetter
          ? { mean, limitBefore: previous.limitBefore, cuts: previous.cuts + 1 }
          : { mean, limitBefore: this.current, cuts: 1 };
      this.slowStart = false;
      const factor = Math.max(LATENCY_CUT.least, Math.min(LATENCY_CUT.most, tolerated / mean));
      this.set(
        Math.max(this.options.min, this.current * factor),
        `latency ${fmt(mean)} ms is over the ${fmt(tolerated)} ms tolerated (baseline ${fmt(baseline)} ms): requests queue at the target`,
      );
      this.draining = true;
      return;
    }

    this.latencyCut = undefined;
    // As HyStart does for TCP: leave slow start as soon as latency starts to rise, before it overshoots.
    if (this.slowStart && mean > SLOW_START_EXIT * baseline + 1) this.slowStart = false;
    // Growing a limit that is not what holds deliveries back would only raise it for nothing.
    if (peak * 2 < this.current || this.current >= this.options.max) return;
    if (this.ceiling !== undefined && this.current + 1 >= this.ceiling) {
      if (now - this.lastGrowthAt < PROBE_INTERVAL_MS) return;
      this.lastGrowthAt = now;
      this.set(this.current + 1, `probing one above the last refusal at ${fmt(this.ceiling)}`);
      return;
    }
    this.lastGrowthAt = now;
    const grown = this.slowStart ? this.current * 2 : this.current + Math.sqrt(this.current);
    // Fast growth stops just below a known ceiling; from there it probes.
    const to = this.ceiling === undefined ? grown : Math.max(this.current, Math.min(grown, this.ceiling - 1));
    this.set(to, this.slowStart ? 'slow start: answers fast and healthy' : 'answers fast and healthy');
  }

  /**
   * The lowest window mean of the last 30-60 s (a recent minimum: a lucky window long ago does not
   * hold the limit down), counting the window just measured.
   */
  private baseline(now: number, mean: number): number {
    if (now - this.bucketStartedAt >= BASELINE_BUCKET_MS) {
      this.baselineBefore = this.baselineNow;
      this.baselineNow = Infinity;
      this.bucketStartedAt = now;
    }
    const before = Math.min(this.baselineNow, this.baselineBefore);
    // A window over the tolerance is not a candidate: queueing must not raise the baseline.
    if (before === Infinity || mean <= Math.max(LATENCY_TOLERANCE * before, before + LATENCY_MARGIN_MS))
      this.baselineNow = Math.min(this.baselineNow, mean);
    return Math.min(this.baselineNow, this.baselineBefore);
  }

  /** Latency is measured afresh on requests sent from now on. */
  private restartWindow(): void {
    this.windowStartSeq = this.sent;
    this.windowCount = 0;
    this.windowSum = 0;
    this.windowPeak = this.running;
  }

  private set(value: number, reason: string): void {
    const to = clamp(value, this.options.min, this.options.max);
    const from = this.current;
    this.current = to;
    if (Math.floor(to) !== Math.floor(from)) {
      for (const listener of this.listeners) listener({ from: Math.floor(from), to: Math.floor(to), reason });
    }
    this.wakeWaiters();
  }
}

interface Waiter {
  resolve: (slot: LimiterSlot | undefined) => void;
  signal?: AbortSignal;
  settled: boolean;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(1) : ms.toFixed(0);
}
