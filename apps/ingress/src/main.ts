import 'reflect-metadata';
import { ConfigError } from '@app/config';
import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { loadIngressConfig, type IngressConfig } from './config/ingress.config';

const LEVELS: Record<IngressConfig['logLevel'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  log: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  verbose: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

async function bootstrap(): Promise<void> {
  const config = loadIngressConfig(process.env);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), {
    bodyParser: false,
    abortOnError: false,
    logger: LEVELS[config.logLevel],
  });
  app.disable('x-powered-by');
  // Produce answers are never cacheable; hashing every body for an ETag is wasted work.
  app.set('etag', false);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  await app.listen(config.port, config.host);
  const shown = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  new Logger('Ingress').log(`Listening on http://${shown}:${config.port} (Kafka: ${config.kafka.connection.brokers.join(',')})`);
}

bootstrap().catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  if (error instanceof ConfigError) console.error(`ingress: invalid configuration: ${error.message}`);
  else if (code === 'EADDRINUSE') console.error(`ingress: PORT is already in use (${(error as Error).message})`);
  else console.error(`ingress: failed to start: ${(error as Error)?.stack ?? String(error)}`);
  process.exit(1);
});
