import { METRIC_PREFIX, LATENCY_BUCKETS } from '@app/observability';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { KafkaError } from './kafka-errors';

/** Prometheus metrics of the producer; absent when the app has no metrics registry. */
export class ProduceMetrics {
  readonly batchRecords: Histogram;
  readonly batchDuration: Histogram;
  readonly produced: Counter<'topic' | 'client'>;
  readonly errors: Counter<'error'>;

  constructor(registry: Registry, pending: () => number, connected: () => boolean) {
    const registers = [registry];
    this.batchRecords = new Histogram({
      name: `${METRIC_PREFIX}produce_batch_records`,
      help: 'Records per produce request sent to Kafka.',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers,
    });
    this.batchDuration = new Histogram({
      name: `${METRIC_PREFIX}produce_batch_duration_seconds`,
      help: 'Time for Kafka to acknowledge a produce request (acks=all).',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.produced = new Counter({
      name: `${METRIC_PREFIX}produced_records_total`,
      help: 'Records acknowledged by Kafka, by topic (and by client, for named credentials).',
      labelNames: ['topic', 'client'],
      registers,
    });
    this.errors = new Counter({
      name: `${METRIC_PREFIX}kafka_errors_total`,
      help: 'Failed writes to Kafka, by kind of error.',
      labelNames: ['error'],
      registers,
    });
    new Gauge({
      name: `${METRIC_PREFIX}producer_pending_records`,
      help: 'Records waiting for Kafka or in flight.',
      registers,
      collect() {
        this.set(pending());
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}producer_connected`,
      help: '1 while the producer is connected to Kafka.',
      registers,
      collect() {
        this.set(connected() ? 1 : 0);
      },
    });
  }

  failed(error: KafkaError): void {
    this.errors.inc({ error: errorLabel(error) });
  }
}

/** `KafkaUnavailableError` -> `unavailable`, `UnknownTopicError` -> `unknown_topic`. */
export function errorLabel(error: Error): string {
  return (
    error.name
      .replace(/^Kafka/, '')
      .replace(/Error$/, '')
      .replace(/([a-z])([A-Z])/g, '$1_$2')
      .toLowerCase() || 'unknown'
  );
}
