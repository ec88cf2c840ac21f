import { Logger } from '@nestjs/common';
import { Kafka, logLevel as KafkaJsLevel, type LogEntry, type SASLOptions } from 'kafkajs';
import type { KafkaConnectionOptions, KafkaLogLevel } from './kafka.config';
import { connectProblemOfLog, connectProblemReports, reportConnectProblem } from './kafka-connector';
import { kafkaJsLogLine } from './kafka-errors';

const LEVELS: Record<KafkaLogLevel, KafkaJsLevel> = {
  nothing: KafkaJsLevel.NOTHING,
  error: KafkaJsLevel.ERROR,
  warn: KafkaJsLevel.WARN,
  info: KafkaJsLevel.INFO,
  debug: KafkaJsLevel.DEBUG,
};

// kafkajs repeats the same connection error on every retry; one line per message per window is enough.
const REPEAT_WINDOW_MS = 30_000;

function nestLogCreator() {
  const logger = new Logger('kafkajs');
  const lastSeen = new Map<string, number>();
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, error } = log as { message: string; error?: string };
      const text = `${namespace ? `[${namespace}] ` : ''}${message}${error && !message.includes(error) ? `: ${error}` : ''}`;
      const line = kafkaJsLogLine(message);
      // Our producer bounds retries on purpose and replaces itself after a failed send (see
      // KafkaProducer.replaceProducer), which is what keeps the guarantee this warning is about.
      if (line === 'idempotent-retry-limit') return;
      // Connection failures are reported once, with the broker and the cause (see kafka-connector).
      // And an error response is also thrown to the caller, which retries it (a coordinator
      // loading, a leader moving) or maps it: the line would only repeat it, at warn.
      // A consumer's crash and restart are reported by its owner (the forwarder's transport), once.
      const quiet = line === 'connect-failure' || line === 'repeated-elsewhere';
      const problem = quiet ? connectProblemOfLog(message, (log as { broker?: string }).broker) : undefined;
      if (problem) reportConnectProblem(problem, logger);
      const now = Date.now();
      if ((lastSeen.get(text) ?? 0) > now - REPEAT_WINDOW_MS) return;
      if (lastSeen.size > 1_000) lastSeen.clear();
      lastSeen.set(text, now);
      if (quiet) logger.debug(text);
      else if (level === KafkaJsLevel.ERROR || level === KafkaJsLevel.WARN) logger.warn(text);
      else if (level === KafkaJsLevel.INFO) logger.log(text);
      else logger.debug(text);
    };
}

/** Builds the kafkajs client for the configured cluster, TLS and SASL. */
export function createKafkaClient(connection: KafkaConnectionOptions, defaultClientId: string): Kafka {
  connectProblemReports.configuredBrokers = connection.brokers;
  return new Kafka({
    clientId: connection.clientId ?? defaultClientId,
    brokers: connection.brokers,
    connectionTimeout: connection.connectionTimeoutMs,
    authenticationTimeout: connection.connectionTimeoutMs,
    requestTimeout: connection.requestTimeoutMs,
    ssl: connection.tls ? { ...connection.tls } : undefined,
    sasl: connection.sasl ? ({ ...connection.sasl } as SASLOptions) : undefined,
    logLevel: LEVELS[connection.logLevel],
    logCreator: nestLogCreator(),
    // Reconnects are ours to pace (see KafkaConnector); keep kafkajs' own retries short.
    retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: 5 },
  });
}
