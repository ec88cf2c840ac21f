import { ConfigError, EnvBoolean, EnvInteger, EnvNumber, EnvOneOf, EnvText, validateEnvironment, type Environment } from '@app/config';
import { kafkaConfigFromEnv, type KafkaConfig } from '@app/kafka';
import { IsOptional } from 'class-validator';

export const INGRESS_CONFIG = Symbol('INGRESS_CONFIG');

export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The ingress's own environment variables; Kafka's are in @app/kafka. */
export class IngressEnvironment {
  @EnvInteger(1, 65535)
  PORT = 6969;

  @EnvText(/^[A-Za-z0-9.:_-]+$/, 'a host name or IP address to listen on')
  HOST = '0.0.0.0';

  @EnvInteger(100, 120_000)
  PRODUCE_TIMEOUT_MS = 10_000;

  @EnvInteger(1_024, 64 * 1024 * 1024)
  INGRESS_MAX_BODY_BYTES = 1024 * 1024;

  @EnvInteger(1, 10_000)
  INGRESS_MAX_BATCH_MESSAGES = 500;

  @EnvInteger(2, 1_000)
  INGRESS_MAX_JSON_DEPTH = 100;

  @EnvBoolean()
  INGRESS_AUTO_CREATE_TOPICS = false;

  @EnvInteger(0, 300_000)
  SHUTDOWN_TIMEOUT_MS = 15_000;

  @EnvOneOf(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'log';

  @EnvBoolean()
  SIMULATOR_ENABLED = true;

  @EnvInteger(0, 600_000)
  SIMULATOR_MIN_DELAY_MS = 50;

  @EnvInteger(0, 600_000)
  SIMULATOR_MAX_DELAY_MS = 2_000;

  @EnvNumber(0, 1)
  SIMULATOR_FAIL_500_RATE = 0.05;

  @EnvNumber(0, 1)
  SIMULATOR_FAIL_400_RATE = 0.05;

  @EnvNumber(0, 1)
  SIMULATOR_FAIL_503_RATE = 0.02;

  @EnvInteger(0, 2 ** 31 - 1)
  @IsOptional()
  SIMULATOR_SEED?: number;
}

export interface SimulatorConfig {
  enabled: boolean;
  minDelayMs: number;
  maxDelayMs: number;
  fail500Rate: number;
  fail400Rate: number;
  fail503Rate: number;
  seed?: number;
}

export interface IngressConfig {
  port: number;
  host: string;
  produceTimeoutMs: number;
  maxBodyBytes: number;
  maxBatchMessages: number;
  maxJsonDepth: number;
  autoCreateTopics: boolean;
  shutdownTimeoutMs: number;
  logLevel: LogLevel;
  simulator: SimulatorConfig;
  kafka: KafkaConfig;
}

/** Reads and validates the whole configuration once, at boot; throws a one-line ConfigError. */
export function loadIngressConfig(env: Environment): IngressConfig {
  const vars = validateEnvironment(IngressEnvironment, env);
  const simulator: SimulatorConfig = {
    enabled: vars.SIMULATOR_ENABLED,
    minDelayMs: vars.SIMULATOR_MIN_DELAY_MS,
    maxDelayMs: vars.SIMULATOR_MAX_DELAY_MS,
    fail500Rate: vars.SIMULATOR_FAIL_500_RATE,
    fail400Rate: vars.SIMULATOR_FAIL_400_RATE,
    fail503Rate: vars.SIMULATOR_FAIL_503_RATE,
    seed: vars.SIMULATOR_SEED,
  };
  return {
    port: vars.PORT,
    host: vars.HOST,
    produceTimeoutMs: vars.PRODUCE_TIMEOUT_MS,
    maxBodyBytes: vars.INGRESS_MAX_BODY_BYTES,
    maxBatchMessages: vars.INGRESS_MAX_BATCH_MESSAGES,
    maxJsonDepth: vars.INGRESS_MAX_JSON_DEPTH,
    autoCreateTopics: vars.INGRESS_AUTO_CREATE_TOPICS,
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS,
    logLevel: vars.LOG_LEVEL,
    simulator: validSimulator(simulator),
    kafka: kafkaConfigFromEnv(env),
  };
}

function validSimulator(config: SimulatorConfig): SimulatorConfig {
  if (config.minDelayMs > config.maxDelayMs) {
    throw new ConfigError(`SIMULATOR_MIN_DELAY_MS must not exceed SIMULATOR_MAX_DELAY_MS, ${config.maxDelayMs} (got "${config.minDelayMs}")`);
  }
  const total = config.fail500Rate + config.fail400Rate + config.fail503Rate;
  if (total > 1) throw new ConfigError(`SIMULATOR_FAIL_500_RATE, SIMULATOR_FAIL_400_RATE and SIMULATOR_FAIL_503_RATE must add up to at most 1 (got ${total})`);
  return config;
}
