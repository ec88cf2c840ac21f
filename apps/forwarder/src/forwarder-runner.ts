import { ConfigError } from '@app/config';
import { KafkaAdmin, kafkaConfigFromEnv } from '@app/kafka';
import { GatewayLogger, listeningOn } from '@app/observability';
import { Injectable } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DeadLetterPublisher } from './dispatch/dead-letter-publisher';
import { ForwardingModule } from './forwarding.module';
import type { ForwardLogging, ForwardOptions } from './forward-options';
import { StartPosition } from './replay/start-position';
import { ForwardStats } from './stats/forward-stats';
import { ProgressReporter } from './stats/progress-reporter';
import { KafkaForwardServer } from './transport/kafka-forward.server';

const IDLE_CHECK_MS = 250;
/** A terminal's Ctrl+C reaches every process of its group, and a supervisor may pass it on: within this window a signal is the same stop. */
const SAME_STOP_MS = 1_500;

/**
 * Runs one forwarding session: builds the application for the options, starts the transport,
 * serves health when asked, reports progress, and stops cleanly on SIGTERM/SIGINT, after
 * --max-messages, or after --idle-exit. A second signal more than SAME_STOP_MS after the first exits at once.
 */
@Injectable()
export class ForwarderRunner {
  async run(options: ForwardOptions, logging: ForwardLogging): Promise<number> {
    let kafka;
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
    const server = app.get(KafkaForwardServer);
    const stats = app.get(ForwardStats);
    app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });

    const stop = this.stopSignal(server, options, logger);
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
    void app.get(DeadLetterPublisher).ensureTopic(options.topic, app.get(KafkaAdmin), stop.signal);
    const reporter = new ProgressReporter(stats, logger, options.statsIntervalS, () => server.refreshLag());
    reporter.start();
    let failed: unknown;
    // --from is applied before the consumer first joins its group.
    app
      .get(StartPosition)
      .apply(stop.signal)
      .then(() => (stop.signal.aborted ? undefined : app.startAllMicroservices()))
      .catch((error: unknown) => {
        failed = error;
        stop.finish('failed');
      });

    const reason = await stop.finished;
    reporter.stop();
    logger.log(`Stopping (${reason})`, 'Forwarder');
    await app.close();
    logger.log(reporter.summary(), 'Forwarder');
    if (failed) {
      logger.error(`The consumer could not start: ${(failed as Error).message}`, undefined, 'Forwarder');
      return 1;
    }
    return 0;
  }

  private stopSignal(server: KafkaForwardServer, options: ForwardOptions, logger: GatewayLogger) {
    const controller = new AbortController();
    let finish!: (reason: string) => void;
    const finished = new Promise<string>((resolve) => {
      finish = (reason) => {
        if (controller.signal.aborted) return;
        controller.abort();
        resolve(reason);
      };
    });
    let firstSignalAt: number | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      const now = Date.now();
      if (firstSignalAt === undefined) {
        firstSignalAt = now;
        return finish(signal);
      }
      if (now - firstSignalAt < SAME_STOP_MS)
        return logger.log(`${signal} again within ${SAME_STOP_MS} ms: the same clean stop`, 'Forwarder');
      // At-least-once still holds: whatever was not committed is delivered again by the next run.
      logger.warn(`${signal} again: exiting at once`, 'Forwarder');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    server.on('finished', () => finish(`--max-messages ${options.maxMessages} reached`));
    if (options.idleExitMs !== undefined) {
      const idleExitMs = options.idleExitMs;
      const timer = setInterval(() => {
        if (server.isIdleFor(idleExitMs)) finish(`idle for ${idleExitMs} ms`);
      }, IDLE_CHECK_MS);
      timer.unref();
      controller.signal.addEventListener('abort', () => clearInterval(timer));
    }
    return { signal: controller.signal, finished, finish };
  }
}
