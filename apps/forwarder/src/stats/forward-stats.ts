import { LATENCY_BUCKETS, METRIC_PREFIX, METRICS_REGISTRY } from '@app/observability';
import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CircuitState } from '../dispatch/circuit-breaker';

const LATENCY_SAMPLES = 20_000;
const PREFIX = `${METRIC_PREFIX}forwarder_`;
const CIRCUIT_STATES: CircuitState[] = ['closed', 'half-open', 'open'];
const NO_LAG: ReadonlyMap<number, bigint> = new Map();

/** Where the stats read what other parts own. */
export interface StatsSources {
  inFlight(): number;
  lag(): ReadonlyMap<number, bigint>;
  circuit(): CircuitState;
  concurrency(): { inFlight: number; limit: number };
  /** Why the consumer has not reached Kafka yet, while it has not. */
  waitingForKafka(): string | undefined;
}

/**
 * What one forwarder instance did: plain counters for the progress line and summary, the same
 * numbers as Prometheus metrics for /metrics on --health-port.
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
  };
  private readonly latencies = new Float64Array(LATENCY_SAMPLES);
  /** Attempts by result, and what of them and of `delivered` the metrics have been given. */
  private readonly attemptCounts = new Map<number | string, number>();
  private readonly attemptsPublished = new Map<number | string, number>();
  private deliveredPublished = 0;
  private latencyCount = 0;
  private readonly metrics: {
    deliveries: Counter<'outcome'>;
    deadLetters: Counter<'reason'>;
    attempts: Counter<'result'>;
    retries: Counter;
    dlqFailures: Counter;
    duration: Histogram;
  };

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
    // Gauges read the plain fields at scrape time, so nothing is counted twice.
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- prom-client calls collect() with this bound to the gauge
    const stats = this;
    this.metrics = {
      deliveries: new Counter({
        name: `${PREFIX}deliveries_total`,
        help: 'Records done, by outcome: delivered or dead_lettered.',
        labelNames: ['outcome'],
        registers,
        // Per-delivery counts reach prom-client at scrape time: its inc() hashes labels every call.
        collect() {
          stats.publishDelivered(this);
        },
      }),
      deadLetters: new Counter({
        name: `${PREFIX}dead_letters_total`,
        help: 'Records written to the dead-letter topic, by reason: rejected (final 4xx), exhausted (retries used up) or undecodable (Schema Registry wire format its schema cannot read).',
        labelNames: ['reason'],
        registers,
      }),
      attempts: new Counter({
        name: `${PREFIX}delivery_attempts_total`,
        help: 'HTTP requests to the target, by result: the status code, timeout or connection_error.',
        labelNames: ['result'],
        registers,
        collect() {
          stats.publishAttempts(this);
        },
      }),
      retries: new Counter({
        name: `${PREFIX}retries_total`,
        help: 'Attempts that were followed by another.',
        registers,
      }),
      dlqFailures: new Counter({
        name: `${PREFIX}dead_letter_write_failures_total`,
        help: 'Failed writes to the dead-letter topic (retried until they succeed).',
        registers,
      }),
      duration: new Histogram({
        name: `${PREFIX}delivery_duration_seconds`,
        help: 'From the first attempt to delivery, retries included.',
        buckets: LATENCY_BUCKETS,
        registers,
      }),
    };
    new Gauge({
      name: `${PREFIX}in_flight_deliveries`,
      help: 'Deliveries under way.',
      registers,
      collect() {
        this.set(stats.inFlight);
      },
    });
    new Gauge({
      name: `${PREFIX}concurrency_limit`,
      help: 'Requests to the target allowed in flight at once: adapted to the target with --workers auto, else --workers.',
      registers,
      collect() {
        this.set(stats.concurrency().limit);
      },
    });
    new Gauge({
      name: `${PREFIX}consumer_lag`,
      help: 'Records of the partition not yet done (end offset minus the committable offset).',
      labelNames: ['partition'],
      registers,
      collect() {
        this.reset();
        for (const [partition, lag] of stats.lag) this.set({ partition: String(partition) }, Number(lag));
      },
    });
    new Gauge({
      name: `${PREFIX}circuit_state`,
      help: "1 for the circuit breaker's current state (closed, half-open, open), 0 for the others.",
      labelNames: ['state'],
      registers,
      collect() {
        for (const state of CIRCUIT_STATES) this.set({ state }, stats.circuit === state ? 1 : 0);
      },
    });
  }

  attach(sources: StatsSources): void {
    this.sources = sources;
  }

  get done(): number {
    return this.delivered + this.deadLettered;
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

  private publishAttempts(counter: Counter<'result'>): void {
    for (const [result, count] of this.attemptCounts) {
      const published = this.attemptsPublished.get(result) ?? 0;
      if (count === published) continue;
      counter.inc({ result: String(result) }, count - published);
      this.attemptsPublished.set(result, count);
    }
  }

  private publishDelivered(counter: Counter<'outcome'>): void {
    if (this.delivered === this.deliveredPublished) return;
    counter.inc({ outcome: 'delivered' }, this.delivered - this.deliveredPublished);
    this.deliveredPublished = this.delivered;
  }

  /** `throttled`: a 429/503 the concurrency limiter was backing off from, not charged to the record. */
  retried(throttled = false): void {
    this.retries++;
    if (throttled) this.throttled++;
    this.metrics.retries.inc();
  }

  attemptFailed(): void {
    this.attemptsFailed++;
  }

  recordDelivery(latencyMs: number): void {
    this.delivered++;
    this.latencies[this.latencyCount++ % LATENCY_SAMPLES] = latencyMs;
    this.metrics.duration.observe(latencyMs / 1000);
  }

  recordDeadLetter(reason: 'rejected' | 'exhausted' | 'undecodable'): void {
    this.deadLettered++;
    if (reason === 'rejected') this.rejected++;
    else if (reason === 'exhausted') this.exhausted++;
    this.metrics.deliveries.inc({ outcome: 'dead_lettered' });
    this.metrics.deadLetters.inc({ reason });
  }

  recordDeadLetterFailure(): void {
    this.dlqFailures++;
    this.metrics.dlqFailures.inc();
  }

  /** The q-quantile (0..1) of the most recent delivery latencies, in ms. */
  latencyQuantile(q: number): number | undefined {
    const n = Math.min(this.latencyCount, LATENCY_SAMPLES);
    if (n === 0) return undefined;
    const sorted = Float64Array.from(this.latencies.subarray(0, n)).sort();
    return sorted[Math.min(n - 1, Math.floor(q * n))];
  }
}
