import { ConfigError } from '@app/config';
import { kafkaConfigFromEnv, type KafkaConfig } from '@app/kafka';
import { GatewayLogger, listeningOn } from '@app/observability';
import { Injectable } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ForwardLogging, ForwardOptions } from './forward-options';
import { ForwardingModule } from './forwarding.module';
import { ForwardingStop } from './forwarding-stop';
import { StartPosition } from './replay/start-position';
import { KafkaForwardServer } from './transport/kafka-forward.server';

/**
 * Runs one forwarding session: creates the application for the options, serves health when
 * asked, starts the consumer once --from is applied, and closes the application when
 * ForwardingStop says the run is over. The work itself is done by the providers' lifecycle hooks
 * (see ForwardingModule). Resolves with the exit code: 0 for a clean stop, 1 for a failure.
 */
@Injectable()
export class ForwarderRunner {
  async run(options: ForwardOptions, logging: ForwardLogging): Promise<number> {
    let kafka: KafkaConfig;
    try {
      kafka = kafkaConfigFromEnv(process.env, { brokers: options.brokers });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      console.error(`forwarder: invalid configuration: ${error.message}`);
      return 1;
    }
    const app = await NestFactory.create<NestExpressApplication>(ForwardingModule.register(options, kafka, logging), {
      bufferLogs: true,
      abortOnError: false,
      bodyParser: false,
    });
    const logger = app.get(GatewayLogger);
    app.useLogger(logger);
    for (const warning of kafka.warnings) logger.warn(warning, 'Config');
    app.disable('x-powered-by');
    app.connectMicroservice({ strategy: app.get(KafkaForwardServer) }, { inheritAppConfig: true });
    const stop = app.get(ForwardingStop);

    await app.init();
    // Without --health-port nothing calls listen(), which is what flushes Nest's buffered logs.
    app.flushLogs();
    if (options.healthPort !== undefined) {
      await app.listen(options.healthPort, '0.0.0.0');
      logger.log(`Health and metrics on ${listeningOn(app.getHttpServer())}: /health, /metrics`, 'Forwarder');
    }
    logger.log(
      `Forwarding ${options.topic} -> ${options.targetUrl} (group ${options.group}, ${options.workers === 'auto' ? `workers auto ${options.minWorkers}-${options.maxWorkers}` : `${options.workers} workers`}, ordering ${options.ordering}, dead letters to ${options.dlqTopic}, HTTP client ${options.httpClient}; Kafka ${kafka.connection.brokers.join(',')})`,
      'Forwarder',
    );
    // --from is applied before the consumer first joins its group.
    app
      .get(StartPosition)
      .apply(stop.signal)
      .then(() => (stop.signal.aborted ? undefined : app.startAllMicroservices()))
      .catch((error: unknown) => stop.fail(error));

    logger.log(`Stopping (${await stop.finished})`, 'Forwarder');
    // Drains and commits; ProgressReporter logs the summary at its end.
    await app.close();
    if (stop.failure) {
      logger.error(`The consumer could not start: ${stop.failure.message}`, undefined, 'Forwarder');
      return 1;
    }
    return 0;
  }
}
