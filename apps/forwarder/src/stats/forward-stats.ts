import { Injectable } from '@nestjs/common';
import type { CircuitState } from '../dispatch/circuit-breaker';

const LATENCY_SAMPLES = 20_000;
const NO_LAG: ReadonlyMap<number, bigint> = new Map();

/** The oldest record fetched and not done: what holds its partition's commit back. */
export interface OldestPending {
  partition: number;
  offset: bigint;
  ageMs: number;
  /** Its failures so far, once an attempt has failed (what the dispatcher's `retrying` tells). */
  retrying?: { key: Buffer | null; attempts: number; problem: string; blamed: boolean };
}

/** Where the stats read what other parts own. */
export interface StatsSources {
  inFlight(): number;
  lag(): ReadonlyMap<number, bigint>;
  circuit(): CircuitState;
  concurrency(): { inFlight: number; limit: number };
  /** Why the consumer has not reached Kafka yet, while it has not. */
  waitingForKafka(): string | undefined;
  oldestPending(): OldestPending | undefined;
  /** Records --filter did not match, when there is a --filter. */
  filtered(): number | undefined;
}

/**
 * What one forwarder instance did, as plain counters (the progress line, the summary and
 * ForwardMetrics read them), and the live readings of the parts that own them.
 */
@Injectable()
export class ForwardStats {
  readonly startedAt = Date.now();
  delivered = 0;
  deadLettered = 0;
  rejected = 0;
  exhausted = 0;
  retries = 0;
  attemptsFailed = 0;
  dlqFailures = 0;
  /** Retries after a 429/503 while the limiter backed off (not charged to the record). */
  throttled = 0;
  /** Live readings from the parts that own them, attached once by the module (ForwardingWiring). */
  private sources: StatsSources = {
    inFlight: () => 0,
    lag: () => NO_LAG,
    circuit: () => 'closed',
    concurrency: () => ({ inFlight: 0, limit: 0 }),
    waitingForKafka: () => undefined,
    oldestPending: () => undefined,
    filtered: () => undefined,
  };
  private readonly latencies = new Float64Array(LATENCY_SAMPLES);
  /** Dead letters by reason (the dlq-reason header). */
  readonly deadLettersByReason = new Map<string, number>();
  /** Attempts by result: a status code, `timeout` or `connection_error`. */
  readonly attemptCounts = new Map<number | string, number>();
  private latencyCount = 0;
  /** Told of each delivery's latency (the metrics' histogram), when someone listens. */
  private deliveryListener: (latencyMs: number) => void = () => undefined;

  attach(sources: StatsSources): void {
    this.sources = sources;
  }

  /** Hears every delivery's latency in ms (one listener: the metrics' histogram). */
  onDelivery(listener: (latencyMs: number) => void): void {
    this.deliveryListener = listener;
  }

  /** Records done: delivered, dead-lettered, or passed over by --filter (all committed). */
  get done(): number {
    return this.delivered + this.deadLettered + (this.sources.filtered() ?? 0);
  }

  /** Records --filter did not match; undefined without a --filter. */
  get filtered(): number | undefined {
    return this.sources.filtered();
  }

  /** Records being delivered (retries waiting included). */
  get inFlight(): number {
    return this.sources.inFlight();
  }

  get circuit(): CircuitState {
    return this.sources.circuit();
  }

  /** Requests to the target in flight, and how many may be (adaptive with --workers auto). */
  concurrency(): { inFlight: number; limit: number } {
    return this.sources.concurrency();
  }

  /** Set while the consumer has not reached Kafka: why, as far as known. */
  get waitingForKafka(): string | undefined {
    return this.sources.waitingForKafka();
  }

  /** The oldest record fetched and not done, if any. */
  oldestPending(): OldestPending | undefined {
    return this.sources.oldestPending();
  }

  /** Records not yet done per partition: end offset minus the committable offset. */
  get lag(): ReadonlyMap<number, bigint> {
    return this.sources.lag();
  }

  totalLag(): bigint {
    let sum = 0n;
    for (const value of this.lag.values()) sum += value;
    return sum;
  }

  /** One HTTP request: its status, or why there was none. */
  attempt(result: number | 'timeout' | 'connection_error'): void {
    this.attemptCounts.set(result, (this.attemptCounts.get(result) ?? 0) + 1);
  }

  /** `throttled`: a 429/503 the concurrency limiter was backing off from, not charged to the record. */
  retried(throttled = false): void {
    this.retries++;
    if (throttled) this.throttled++;
  }

  attemptFailed(): void {
    this.attemptsFailed++;
  }

  recordDelivery(latencyMs: number): void {
    this.delivered++;
    this.latencies[this.latencyCount++ % LATENCY_SAMPLES] = latencyMs;
    this.deliveryListener(latencyMs);
  }

  recordDeadLetter(reason: 'rejected' | 'exhausted' | 'undecodable'): void {
    this.deadLettersByReason.set(reason, (this.deadLettersByReason.get(reason) ?? 0) + 1);
    this.deadLettered++;
    if (reason === 'rejected') this.rejected++;
    else if (reason === 'exhausted') this.exhausted++;
  }

  recordDeadLetterFailure(): void {
    this.dlqFailures++;
  }

  /** The q-quantile (0..1) of the most recent delivery latencies, in ms. */
  latencyQuantile(q: number): number | undefined {
    const n = Math.min(this.latencyCount, LATENCY_SAMPLES);
    if (n === 0) return undefined;
    const sorted = Float64Array.from(this.latencies.subarray(0, n)).sort();
    return sorted[Math.min(n - 1, Math.floor(q * n))];
  }
}
