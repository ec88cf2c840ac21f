import { DynamicModule, Global, Module } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { HttpMetrics } from './http-metrics.middleware';
import { METRIC_PREFIX, METRICS_REGISTRY } from './metrics.constants';
import { MetricsController } from './metrics.controller';

/** A registry per app (with Node's process metrics), served at GET /metrics. */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(app: 'ingress' | 'forwarder'): DynamicModule {
    return {
      module: MetricsModule,
      controllers: [MetricsController],
      providers: [
        {
          provide: METRICS_REGISTRY,
          useFactory: () => {
            const registry = new Registry();
            registry.setDefaultLabels({ app });
            collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
            return registry;
          },
        },
        HttpMetrics,
      ],
      exports: [METRICS_REGISTRY, HttpMetrics],
    };
  }
}
