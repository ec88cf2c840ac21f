import { Injectable } from '@nestjs/common';
import type { CircuitState } from '../dispatch/circuit-breaker';

const LATENCY_SAMPLES = 20_000;

/** Counters and gauges of one forwarder instance: read by the progress line, health and metrics. */
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
  inFlight = 0;
  circuit: CircuitState = 'closed';
  /** Records not yet done per partition: high watermark minus the committable offset. */
  readonly lag = new Map<number, bigint>();
  private readonly latencies = new Float64Array(LATENCY_SAMPLES);
  private latencyCount = 0;

  get done(): number {
    return this.delivered + this.deadLettered;
  }

  totalLag(): bigint {
    let sum = 0n;
    for (const value of this.lag.values()) sum += value;
    return sum;
  }

  recordDelivery(latencyMs: number): void {
    this.delivered++;
    this.latencies[this.latencyCount++ % LATENCY_SAMPLES] = latencyMs;
  }

  /** The q-quantile (0..1) of the most recent delivery latencies, in ms. */
  latencyQuantile(q: number): number | undefined {
    const n = Math.min(this.latencyCount, LATENCY_SAMPLES);
    if (n === 0) return undefined;
    const sorted = Float64Array.from(this.latencies.subarray(0, n)).sort();
    return sorted[Math.min(n - 1, Math.floor(q * n))];
  }
}
