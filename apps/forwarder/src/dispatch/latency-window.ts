/** Latency above this many times the baseline means requests queue at the target... */
const LATENCY_TOLERANCE = 2;
/** ...when it is also this much above it: a millisecond's wobble on a fast target is not a queue. */
const LATENCY_MARGIN_MS = 2;
/** The baseline is the lowest window mean of the last 30-60 s: two buckets of this length. */
const BASELINE_BUCKET_MS = 30_000;

/** The highest window mean that does not yet say requests queue at the target. */
export function toleratedLatency(baseline: number): number {
  return Math.max(LATENCY_TOLERANCE * baseline, baseline + LATENCY_MARGIN_MS);
}

/** The answers to requests sent since the window started: their mean latency, and the most in flight meanwhile. */
export class LatencyWindow {
  private startSeq = 0;
  private answers = 0;
  private sum = 0;
  private peakInFlight = 0;

  get count(): number {
    return this.answers;
  }

  get mean(): number {
    return this.sum / this.answers;
  }

  get peak(): number {
    return this.peakInFlight;
  }

  /** A request goes out with `concurrency` in flight, itself included. */
  sending(concurrency: number): void {
    if (concurrency > this.peakInFlight) this.peakInFlight = concurrency;
  }

  /** Counts the answer to request `seq`; false, and not counted, when it was sent before the window started. */
  add(seq: number, latencyMs: number): boolean {
    if (seq < this.startSeq) return false;
    this.answers++;
    this.sum += latencyMs;
    return true;
  }

  /** Measures afresh from request `nextSeq` on, with `inFlight` requests out now. */
  restart(nextSeq: number, inFlight: number): void {
    this.startSeq = nextSeq;
    this.answers = 0;
    this.sum = 0;
    this.peakInFlight = inFlight;
  }
}

/**
 * The lowest window mean of the last 30-60 s (a recent minimum: a lucky window long ago does not
 * hold the limit down).
 */
export class LatencyBaseline {
  /** Lowest window mean in the current and the previous baseline bucket. */
  private lowestNow = Infinity;
  private lowestBefore = Infinity;
  private bucketStartedAt = -Infinity;

  /** Counts the window just measured and returns the baseline, that window included. */
  update(now: number, mean: number): number {
    if (now - this.bucketStartedAt >= BASELINE_BUCKET_MS) {
      this.lowestBefore = this.lowestNow;
      this.lowestNow = Infinity;
      this.bucketStartedAt = now;
    }
    const before = Math.min(this.lowestNow, this.lowestBefore);
    // A window over the tolerance is not a candidate: queueing must not raise the baseline.
    if (before === Infinity || mean <= toleratedLatency(before)) this.lowestNow = Math.min(this.lowestNow, mean);
    return Math.min(this.lowestNow, this.lowestBefore);
  }

  /** The target is slower on its own: this latency is its baseline from now on. */
  reset(mean: number): void {
    this.lowestNow = this.lowestBefore = mean;
  }
}
