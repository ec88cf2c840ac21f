import { KafkaAdmin, KafkaProducer, KafkaTopicReaders } from '@app/kafka';
import { METRICS_REGISTRY } from '@app/observability';
import type { Provider } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { INGRESS_CONFIG, type IngressConfig } from '../config/ingress.config';
import { IDEMPOTENCY_STORE, type IdempotencyStore } from './idempotency.store';
import { IdempotencyMetrics } from './idempotency-metrics';
import { MemoryIdempotencyStore } from './memory-idempotency.store';
import { SharedIdempotencyStore } from './shared-idempotency.store';

/** The store INGRESS_IDEMPOTENCY_STORE names; null when INGRESS_IDEMPOTENCY_TTL_MS is 0. */
export const idempotencyStoreProvider: Provider = {
  provide: IDEMPOTENCY_STORE,
  inject: [INGRESS_CONFIG, KafkaProducer, KafkaAdmin, KafkaTopicReaders, METRICS_REGISTRY],
  useFactory: (
    config: IngressConfig,
    producer: KafkaProducer,
    admin: KafkaAdmin,
    readers: KafkaTopicReaders,
    registry: Registry,
  ): IdempotencyStore | null => {
    const { ttlMs, maxKeys, store, topic, testDelayMs } = config.access.idempotency;
    if (ttlMs === 0) return null;
    const built: { shared?: SharedIdempotencyStore } = {};
    const metrics = new IdempotencyMetrics(registry, () => built.shared?.lag ?? 0);
    if (store === 'memory') return new MemoryIdempotencyStore(ttlMs, maxKeys, Date.now, metrics);
    const options = { topic, ttlMs, maxKeys, produceTimeoutMs: config.produceTimeoutMs, testDelayMs };
    built.shared = new SharedIdempotencyStore(options, producer, admin, readers, metrics);
    return built.shared;
  },
};
