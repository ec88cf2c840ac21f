import type { Clock } from './clock';
import type { ConcurrencyLimiterOptions, LimitChange, LimiterSample } from './concurrency-limiter';
import { LatencyBaseline, LatencyWindow, toleratedLatency } from './latency-window';

/** What the limit needs from the slots it governs. */
export interface LimitedSlots {
  /** Requests in flight now. */
  inFlight(): number;
  /** Called on every setting of the limit, so that waiters can take the room it made. */
  limitSet(): void;
}

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

/** The limit of a ConcurrencyLimiter and how it moves with what the target answers (see there). */
export class AdaptiveLimit {
  private current: number;
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

  private readonly baseline = new LatencyBaseline();
  private readonly latency = new LatencyWindow();
  private latencyCut?: { mean: number; limitBefore: number; cuts: number };
  /** After a cut, latency is measured again only once the requests beyond the new limit are back. */
  private draining = false;

  constructor(
    private readonly options: ConcurrencyLimiterOptions,
    private readonly clock: Clock,
    private readonly slots: LimitedSlots,
  ) {
    this.current = clamp(options.initial, options.min, options.max);
  }

  get auto(): boolean {
    return this.options.mode === 'auto';
  }

  get limit(): number {
    return Math.floor(this.current);
  }

  get backingOff(): boolean {
    return this.auto && this.current > this.options.min && this.clock.now() - this.lastOverloadCutAt <= CEILING_TTL_MS;
  }

  onChange(listener: (change: LimitChange) => void): void {
    this.listeners.push(listener);
  }

  /** A request goes out with `concurrency` in flight, itself included; returns its sequence number. */
  sending(concurrency: number): number {
    this.latency.sending(concurrency);
    return this.sent++;
  }

  /** The request `seq`, sent with `concurrency` in flight, came back with `sample`. */
  answered(seq: number, concurrency: number, sample: LimiterSample, latencyMs: number | undefined): void {
    if (!this.auto) return;
    this.observe(seq, concurrency, sample, latencyMs);
    if (this.draining && this.slots.inFlight() <= this.limit) {
      this.draining = false;
      this.restartWindow();
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
    if (latencyMs === undefined || this.draining || !this.latency.add(seq, latencyMs)) return;
    if (this.latency.count >= Math.max(MIN_WINDOW, Math.ceil(this.current / 2))) this.closeWindow();
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
    const { mean, peak } = this.latency;
    this.restartWindow();
    const now = this.clock.now();
    // A ceiling passed without a refusal, or an old one, no longer says where the target's capacity is.
    if (
      this.ceiling !== undefined &&
      (this.current >= this.ceiling + 1 || now - this.lastOverloadCutAt > CEILING_TTL_MS)
    )
      this.ceiling = undefined;
    const baseline = this.baseline.update(now, mean);
    const tolerated = toleratedLatency(baseline);

    if (mean > tolerated) {
      const previous = this.latencyCut;
      const noBetter = previous !== undefined && mean >= NO_IMPROVEMENT * previous.mean;
      if (previous && noBetter && previous.cuts >= 2) {
        // Two cuts did not make it faster: the target is slower on its own, and its capacity is
        // unknown again: back to where it was, then slow start.
        this.baseline.reset(mean);
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

  /** Latency is measured afresh on requests sent from now on. */
  private restartWindow(): void {
    this.latency.restart(this.sent, this.slots.inFlight());
  }

  private set(value: number, reason: string): void {
    const to = clamp(value, this.options.min, this.options.max);
    const from = this.current;
    this.current = to;
    if (Math.floor(to) !== Math.floor(from)) {
      for (const listener of this.listeners) listener({ from: Math.floor(from), to: Math.floor(to), reason });
    }
    this.slots.limitSet();
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(1) : ms.toFixed(0);
}
