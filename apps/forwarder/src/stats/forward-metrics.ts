import { LATENCY_BUCKETS, METRIC_PREFIX, METRICS_REGISTRY, scrapedCounter } from '@app/observability';
import { Inject, Injectable } from '@nestjs/common';
import { Gauge, Histogram, type Registry } from 'prom-client';
import type { CircuitState } from '../dispatch/circuit-breaker';
import { ForwardStats } from './forward-stats';

const PREFIX = `${METRIC_PREFIX}forwarder_`;
const CIRCUIT_STATES: CircuitState[] = ['closed', 'half-open', 'open'];

/**
 * The forwarder's Prometheus series on /metrics (--health-port), read from ForwardStats at scrape
 * time: nothing on the delivery path touches prom-client, whose inc() hashes its labels on every
 * call, except the latency histogram's observe.
 */
@Injectable()
export class ForwardMetrics {
  constructor(@Inject(METRICS_REGISTRY) registry: Registry, stats: ForwardStats) {
    const registers = [registry];
    scrapedCounter(
      {
        name: `${PREFIX}deliveries_total`,
        help: 'Records done, by outcome: delivered or dead_lettered.',
        labelNames: ['outcome'],
        registers,
      },
      () => [
        [{ outcome: 'delivered' }, stats.delivered],
        [{ outcome: 'dead_lettered' }, stats.deadLettered],
      ],
    );
    scrapedCounter(
      {
        name: `${PREFIX}dead_letters_total`,
        help: 'Records written to the dead-letter topic, by reason: rejected (final 4xx), exhausted (retries used up) or undecodable (Schema Registry wire format its schema cannot read).',
        labelNames: ['reason'],
        registers,
      },
      () => [...stats.deadLettersByReason].map(([reason, count]) => [{ reason }, count] as const),
    );
    scrapedCounter(
      {
        name: `${PREFIX}delivery_attempts_total`,
        help: 'HTTP requests to the target, by result: the status code, timeout or connection_error.',
        labelNames: ['result'],
        registers,
      },
      () => [...stats.attemptCounts].map(([result, count]) => [{ result: String(result) }, count] as const),
    );
    scrapedCounter(
      { name: `${PREFIX}retries_total`, help: 'Attempts that were followed by another.', registers },
      () => [[undefined, stats.retries]],
    );
    scrapedCounter(
      {
        name: `${PREFIX}dead_letter_write_failures_total`,
        help: 'Failed writes to the dead-letter topic (retried until they succeed).',
        registers,
      },
      () => [[undefined, stats.dlqFailures]],
    );
    const duration = new Histogram({
      name: `${PREFIX}delivery_duration_seconds`,
      help: 'From the first attempt to delivery, retries included.',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    stats.onDelivery((latencyMs) => duration.observe(latencyMs / 1000));
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name: `${PREFIX}${name}`,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    gauge('in_flight_deliveries', 'Deliveries under way.', () => stats.inFlight);
    gauge(
      'concurrency_limit',
      'Requests to the target allowed in flight at once: adapted to the target with --workers auto, else --workers.',
      () => stats.concurrency().limit,
    );
    gauge(
      'oldest_pending_seconds',
      'Age of the oldest record fetched and not yet done (delivered or dead-lettered), 0 when none: a commit held back.',
      () => (stats.oldestPending()?.ageMs ?? 0) / 1000,
    );
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
}
