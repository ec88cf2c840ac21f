import {
  ConfigError,
  EnvBoolean,
  EnvFile,
  EnvInteger,
  EnvList,
  EnvOneOf,
  EnvText,
  HOST_PORT,
  validateEnvironment,
  type Environment,
} from '@app/config';
import { IsOptional } from 'class-validator';
import { readFileSync } from 'node:fs';

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];
export const KAFKA_LOG_LEVELS = ['nothing', 'error', 'warn', 'info', 'debug'] as const;
export type KafkaLogLevel = (typeof KAFKA_LOG_LEVELS)[number];

/** Every environment variable about Kafka, for both apps. Nothing else reads them. */
export class KafkaEnvironment {
  @EnvList(HOST_PORT, 'a comma-separated list of host:port bootstrap brokers')
  KAFKA_BROKERS: string[] = ['127.0.0.1:9092'];

  /** The Go gateway's name for KAFKA_BROKERS, read only when KAFKA_BROKERS is unset. */
  @EnvList(HOST_PORT, 'a comma-separated list of host:port bootstrap brokers')
  @IsOptional()
  BROKER?: string[];

  @EnvText(/^[A-Za-z0-9._-]{1,255}$/, 'a client id of letters, digits, ".", "_" or "-"')
  @IsOptional()
  KAFKA_CLIENT_ID?: string;

  @EnvInteger(100, 120_000)
  KAFKA_CONNECTION_TIMEOUT_MS = 3_000;

  @EnvInteger(100, 300_000)
  KAFKA_REQUEST_TIMEOUT_MS = 10_000;

  @EnvBoolean()
  KAFKA_SSL = false;

  @EnvFile()
  KAFKA_SSL_CA_FILE?: string;

  @EnvFile()
  KAFKA_SSL_CERT_FILE?: string;

  @EnvFile()
  KAFKA_SSL_KEY_FILE?: string;

  @EnvBoolean()
  KAFKA_SSL_REJECT_UNAUTHORIZED = true;

  @EnvOneOf(SASL_MECHANISMS)
  @IsOptional()
  KAFKA_SASL_MECHANISM?: SaslMechanism;

  @EnvText()
  @IsOptional()
  KAFKA_SASL_USERNAME?: string;

  @EnvText()
  @IsOptional()
  KAFKA_SASL_PASSWORD?: string;

  @EnvOneOf(KAFKA_LOG_LEVELS)
  KAFKA_LOG_LEVEL: KafkaLogLevel = 'warn';

  @EnvInteger(1, 100_000)
  KAFKA_PRODUCER_BATCH_MAX_RECORDS = 1_000;

  @EnvInteger(1_024, 64 * 1024 * 1024)
  KAFKA_PRODUCER_BATCH_MAX_BYTES = 512 * 1024;

  @EnvInteger(1, 1_000_000)
  KAFKA_PRODUCER_MAX_QUEUED_RECORDS = 20_000;

  @EnvOneOf(['none', 'gzip'])
  KAFKA_PRODUCER_COMPRESSION: 'none' | 'gzip' = 'none';
}

export interface KafkaTlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

export interface KafkaSaslOptions {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

/** How to reach the cluster: shared by the ingress producer and the forwarder's consumer. */
export interface KafkaConnectionOptions {
  brokers: string[];
  clientId?: string;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  tls?: KafkaTlsOptions;
  sasl?: KafkaSaslOptions;
  logLevel: KafkaLogLevel;
}

export interface KafkaProducerOptions {
  batchMaxRecords: number;
  batchMaxBytes: number;
  maxQueuedRecords: number;
  compression: 'none' | 'gzip';
}

export interface KafkaConfig {
  connection: KafkaConnectionOptions;
  producer: KafkaProducerOptions;
  /** One line each, for the app to log at boot (a Go gateway variable in use, say). */
  warnings: string[];
}

/**
 * The one configuration factory for Kafka. Both apps call it, so producer and consumer cannot
 * drift apart; `overrides` carries command-line flags, which win over the environment.
 */
export function kafkaConfigFromEnv(env: Environment, overrides: { brokers?: string[] } = {}): KafkaConfig {
  const vars = validateEnvironment(KafkaEnvironment, env);
  const { brokers, warnings } = bootstrapBrokers(vars, env, overrides.brokers);
  return {
    connection: {
      brokers,
      clientId: vars.KAFKA_CLIENT_ID,
      connectionTimeoutMs: vars.KAFKA_CONNECTION_TIMEOUT_MS,
      requestTimeoutMs: vars.KAFKA_REQUEST_TIMEOUT_MS,
      tls: tlsOptions(vars),
      sasl: saslOptions(vars),
      logLevel: vars.KAFKA_LOG_LEVEL,
    },
    producer: {
      batchMaxRecords: vars.KAFKA_PRODUCER_BATCH_MAX_RECORDS,
      batchMaxBytes: vars.KAFKA_PRODUCER_BATCH_MAX_BYTES,
      maxQueuedRecords: vars.KAFKA_PRODUCER_MAX_QUEUED_RECORDS,
      compression: vars.KAFKA_PRODUCER_COMPRESSION,
    },
    warnings,
  };
}

/** Flags, then KAFKA_BROKERS, then the Go gateway's BROKER, then the default. */
function bootstrapBrokers(
  vars: KafkaEnvironment,
  env: Environment,
  flags?: string[],
): { brokers: string[]; warnings: string[] } {
  if (flags) return { brokers: flags, warnings: [] };
  if (vars.BROKER === undefined) return { brokers: vars.KAFKA_BROKERS, warnings: [] };
  if (isSet(env.KAFKA_BROKERS))
    return { brokers: vars.KAFKA_BROKERS, warnings: ['BROKER is ignored because KAFKA_BROKERS is set; remove BROKER'] };
  return {
    brokers: vars.BROKER,
    warnings: ["Using BROKER (the Go gateway's variable) because KAFKA_BROKERS is unset; rename it to KAFKA_BROKERS"],
  };
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

function tlsOptions(vars: KafkaEnvironment): KafkaTlsOptions | undefined {
  const files = {
    KAFKA_SSL_CA_FILE: vars.KAFKA_SSL_CA_FILE,
    KAFKA_SSL_CERT_FILE: vars.KAFKA_SSL_CERT_FILE,
    KAFKA_SSL_KEY_FILE: vars.KAFKA_SSL_KEY_FILE,
  };
  if (!vars.KAFKA_SSL) {
    const given = Object.entries(files).find(([, path]) => path !== undefined);
    if (given) throw new ConfigError(`${given[0]} is set, so KAFKA_SSL must be true (got "false")`);
    return undefined;
  }
  if ((vars.KAFKA_SSL_CERT_FILE === undefined) !== (vars.KAFKA_SSL_KEY_FILE === undefined)) {
    throw new ConfigError('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE must be set together (got only one)');
  }
  const read = (path?: string) => (path === undefined ? undefined : readFileSync(path, 'utf8'));
  return {
    ca: read(vars.KAFKA_SSL_CA_FILE),
    cert: read(vars.KAFKA_SSL_CERT_FILE),
    key: read(vars.KAFKA_SSL_KEY_FILE),
    rejectUnauthorized: vars.KAFKA_SSL_REJECT_UNAUTHORIZED,
  };
}

function saslOptions(vars: KafkaEnvironment): KafkaSaslOptions | undefined {
  if (vars.KAFKA_SASL_MECHANISM === undefined) {
    if (vars.KAFKA_SASL_USERNAME !== undefined || vars.KAFKA_SASL_PASSWORD !== undefined) {
      throw new ConfigError(
        `KAFKA_SASL_MECHANISM must be one of ${SASL_MECHANISMS.join(', ')} when KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD is set (not set)`,
      );
    }
    return undefined;
  }
  if (vars.KAFKA_SASL_USERNAME === undefined || vars.KAFKA_SASL_PASSWORD === undefined) {
    const missing = vars.KAFKA_SASL_USERNAME === undefined ? 'KAFKA_SASL_USERNAME' : 'KAFKA_SASL_PASSWORD';
    throw new ConfigError(`${missing} must be set when KAFKA_SASL_MECHANISM is ${vars.KAFKA_SASL_MECHANISM} (not set)`);
  }
  return {
    mechanism: vars.KAFKA_SASL_MECHANISM,
    username: vars.KAFKA_SASL_USERNAME,
    password: vars.KAFKA_SASL_PASSWORD,
  };
}
