import 'reflect-metadata';
import { ConfigError } from '@app/config';
import { GatewayLogger } from '@app/observability';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { loadIngressConfig } from './config/ingress.config';
import { serveOpenApi } from './openapi/openapi';
import { listeningOn } from '@app/observability';

async function bootstrap(): Promise<void> {
  const config = loadIngressConfig(process.env);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), {
    bodyParser: false,
    abortOnError: false,
    bufferLogs: true,
  });
  const logger = app.get(GatewayLogger);
  app.useLogger(logger);
  for (const warning of [...config.warnings, ...config.kafka.warnings]) logger.warn(warning, 'Config');
  app.disable('x-powered-by');
  // Produce answers are never cacheable; hashing every body for an ETag is wasted work.
  app.set('etag', false);
  const origins = config.access.corsOrigins;
  if (origins)
    app.enableCors({
      origin: origins.includes('*') ? true : origins,
      exposedHeaders: ['Retry-After', 'X-Request-Id', 'Idempotent-Replayed'],
    });
  serveOpenApi(app);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  await app.listen(config.port, config.host);
  logger.log(
    `Listening on ${listeningOn(app.getHttpServer())} (docs at /docs; Kafka: ${config.kafka.connection.brokers.join(',')})`,
    'Ingress',
  );
}

bootstrap().catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  if (error instanceof ConfigError) console.error(`ingress: invalid configuration: ${error.message}`);
  else if (code === 'EADDRINUSE') console.error(`ingress: PORT is already in use (${(error as Error).message})`);
  else console.error(`ingress: failed to start: ${(error as Error)?.stack ?? String(error)}`);
  process.exit(1);
});
