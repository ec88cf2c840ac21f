import { PRODUCT } from '@app/config';
import { KafkaModule } from '@app/kafka';
import { HttpMetricsMiddleware, LoggingModule, MetricsModule } from '@app/observability';
import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthenticationMiddleware } from './access/authentication.middleware';
import { CredentialStore } from './access/credential-store';
import { IdempotencyMiddleware } from './access/idempotency.middleware';
import { idempotencyStoreProvider } from './access/idempotency-store.provider';
import { RateLimitMiddleware } from './access/rate-limit.middleware';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { BodyLimit } from './common/body-limit';
import { JsonBodyMiddleware } from './common/json-body.middleware';
import { RequestValidationPipe } from './common/request-validation.pipe';
import { IngressConfigModule } from './config/ingress-config.module';
import type { IngressConfig } from './config/ingress.config';
import { HealthModule } from './health/health.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { ProduceController } from './produce/produce.controller';
import { ProduceModule } from './produce/produce.module';
import { RequestPipelineMiddleware } from './request-pipeline.middleware';
import { SimulatorModule } from './simulator/simulator.module';

@Module({})
export class AppModule implements NestModule {
  /** The application for a configuration read at boot; SIMULATOR_ENABLED=false leaves the simulator out. */
  static register(config: IngressConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        IngressConfigModule.forRoot(config),
        // Readiness is 503 while starting, and the simulator fails on purpose: neither is a warning.
        LoggingModule.forRoot({
          app: 'ingress',
          level: config.logLevel,
          format: config.logFormat,
          accessLog: config.accessLog,
          expected5xxPaths: ['/health', '/webhook-simulator'],
        }),
        MetricsModule.forRoot('ingress'),
        KafkaModule.register({ config: config.kafka, defaultClientId: `${PRODUCT}-ingress`, isGlobal: true }),
        LifecycleModule,
        ProduceModule,
        HealthModule,
        ...(config.simulator.enabled ? [SimulatorModule] : []),
      ],
      providers: [
        { provide: APP_PIPE, useClass: RequestValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        BodyLimit,
        HttpMetricsMiddleware,
        AuthenticationMiddleware,
        CredentialStore,
        RateLimitMiddleware,
        JsonBodyMiddleware,
        RequestPipelineMiddleware,
        idempotencyStoreProvider,
        IdempotencyMiddleware,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestPipelineMiddleware).forRoutes('*');
    // After the pipeline, so it sees the parsed body and the client.
    consumer.apply(IdempotencyMiddleware).forRoutes(ProduceController);
  }
}
