import { KafkaModule } from '@app/kafka';
import { GatewayLogger, HttpMetricsMiddleware, loggingParams, MetricsModule } from '@app/observability';
import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import helmet from 'helmet';
import { LoggerModule } from 'nestjs-pino';
import { ApiKeyMiddleware } from './access/api-key.middleware';
import { RateLimitMiddleware } from './access/rate-limit.middleware';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { BodyLimit } from './common/body-limit';
import { JsonBodyMiddleware } from './common/json-body';
import { RequestValidationPipe } from './common/request-validation.pipe';
import { IngressConfigModule } from './config/ingress-config.module';
import type { IngressConfig } from './config/ingress.config';
import { HealthModule } from './health/health.module';
import { RequestTrackingMiddleware } from './lifecycle/graceful-shutdown.service';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { ProduceModule } from './produce/produce.module';
import { SimulatorModule } from './simulator/simulator.module';

/**
 * helmet's defaults, minus the two that assume this process terminates TLS: HSTS (the TLS
 * proxy in front sets it) and upgrade-insecure-requests (it breaks /docs served over plain HTTP).
 */
function securityHeaders() {
  return helmet({ strictTransportSecurity: false, contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
}

@Module({})
export class AppModule implements NestModule {
  /** The application for a configuration read at boot; SIMULATOR_ENABLED=false leaves the simulator out. */
  static register(config: IngressConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        IngressConfigModule.forRoot(config),
        LoggerModule.forRoot(loggingParams({ app: 'ingress', level: config.logLevel, accessLog: config.accessLog })),
        MetricsModule.forRoot('ingress'),
        KafkaModule.register({ config: config.kafka, defaultClientId: 'kafka-http-gateway-ingress', isGlobal: true }),
        LifecycleModule,
        ProduceModule,
        HealthModule,
        ...(config.simulator.enabled ? [SimulatorModule] : []),
      ],
      providers: [
        { provide: APP_PIPE, useClass: RequestValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        GatewayLogger,
        BodyLimit,
        ApiKeyMiddleware,
        RateLimitMiddleware,
        JsonBodyMiddleware,
      ],
    };
  }

  /** In order: security headers, metrics, shutdown tracking, API key, rate limit, then (only then) the body. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(securityHeaders(), HttpMetricsMiddleware, RequestTrackingMiddleware, ApiKeyMiddleware, RateLimitMiddleware, JsonBodyMiddleware).forRoutes('*');
  }
}
