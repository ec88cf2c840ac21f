import { ConfigError, validateEnvironment, type Environment } from '@app/config';
import { kafkaConfigFromEnv, type KafkaConfig } from '@app/kafka';
import type { LogFormat, LogLevel } from '@app/observability';
import { statSync } from 'node:fs';
import { loadCredentials, type CredentialSources, type CredentialSpec } from './credentials';
import { IngressEnvironment, type IdempotencyStoreKind } from './ingress-environment';
import { jwtConfig, type JwtConfig } from './jwt';

export { IngressEnvironment } from './ingress-environment';
export type { JwtConfig } from './jwt';

export const INGRESS_CONFIG = Symbol('INGRESS_CONFIG');

export interface SimulatorConfig {
  enabled: boolean;
  minDelayMs: number;
  maxDelayMs: number;
  fail500Rate: number;
  fail400Rate: number;
  fail503Rate: number;
  seed?: number;
}

export interface AccessConfig {
  /** API keys and named credentials as read at boot. Empty, and no jwt: no authentication. */
  credentials: CredentialSpec[];
  /** Read again when one of their files changes. */
  credentialSources: CredentialSources;
  jwt?: JwtConfig;
  publicHealth: boolean;
  publicMetrics: boolean;
  publicDocs: boolean;
  /** Undefined: every topic. */
  allowedTopics?: string[];
  /** Undefined: no rate limit. */
  rateLimit?: { perSecond: number; burst: number };
  /** ttlMs 0 turns Idempotency-Key handling off. */
  idempotency: { ttlMs: number; maxKeys: number; store: IdempotencyStoreKind; topic: string; testDelayMs: number };
  corsOrigins?: string[];
}

export interface ContractsConfig {
  /** INGRESS_SCHEMAS_DIR: `<topic>.json` JSON Schema files. */
  schemasDir?: string;
  /** SCHEMA_REGISTRY_URL: the latest version of `<topic>-value`. */
  registryUrl?: string;
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
  /** The whole request (headers and body) must arrive within it. */
  requestTimeoutMs: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  accessLog: boolean;
  access: AccessConfig;
  simulator: SimulatorConfig;
  contracts: ContractsConfig;
  kafka: KafkaConfig;
  /** One line each, for the log at boot; the Kafka ones are in kafka.warnings. */
  warnings: string[];
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
  const { port, warnings } = listenPort(vars, env);
  return {
    port,
    host: vars.HOST,
    produceTimeoutMs: vars.PRODUCE_TIMEOUT_MS,
    maxBodyBytes: vars.INGRESS_MAX_BODY_BYTES,
    maxBatchMessages: vars.INGRESS_MAX_BATCH_MESSAGES,
    maxJsonDepth: vars.INGRESS_MAX_JSON_DEPTH,
    autoCreateTopics: vars.INGRESS_AUTO_CREATE_TOPICS,
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS,
    requestTimeoutMs: vars.INGRESS_REQUEST_TIMEOUT_MS,
    logLevel: vars.LOG_LEVEL,
    logFormat: vars.LOG_FORMAT,
    accessLog: vars.INGRESS_ACCESS_LOG,
    access: accessConfig(vars),
    simulator: validSimulator(simulator),
    contracts: { schemasDir: schemasDir(vars.INGRESS_SCHEMAS_DIR), registryUrl: vars.SCHEMA_REGISTRY_URL },
    kafka: kafkaConfigFromEnv(env),
    warnings,
  };
}

/** PORT, then the Go gateway's GO_APP_PORT, then the default. */
function listenPort(vars: IngressEnvironment, env: Environment): { port: number; warnings: string[] } {
  if (vars.GO_APP_PORT === undefined) return { port: vars.PORT, warnings: [] };
  if (env.PORT !== undefined && env.PORT.trim() !== '')
    return { port: vars.PORT, warnings: ['GO_APP_PORT is ignored because PORT is set; remove GO_APP_PORT'] };
  return {
    port: vars.GO_APP_PORT,
    warnings: ["Using GO_APP_PORT (the Go gateway's variable) because PORT is unset; rename it to PORT"],
  };
}

function validSimulator(config: SimulatorConfig): SimulatorConfig {
  if (config.minDelayMs > config.maxDelayMs) {
    throw new ConfigError(
      `SIMULATOR_MIN_DELAY_MS must not exceed SIMULATOR_MAX_DELAY_MS, ${config.maxDelayMs} (got "${config.minDelayMs}")`,
    );
  }
  const total = config.fail500Rate + config.fail400Rate + config.fail503Rate;
  if (total > 1)
    throw new ConfigError(
      `SIMULATOR_FAIL_500_RATE, SIMULATOR_FAIL_400_RATE and SIMULATOR_FAIL_503_RATE must add up to at most 1 (got ${total})`,
    );
  return config;
}

function accessConfig(vars: IngressEnvironment): AccessConfig {
  const credentialSources: CredentialSources = {
    apiKeys: vars.INGRESS_API_KEYS ?? [],
    apiKeysFile: vars.INGRESS_API_KEYS_FILE,
    credentialsFile: vars.INGRESS_CREDENTIALS_FILE,
  };
  const perSecond = vars.INGRESS_RATE_LIMIT_RPS;
  return {
    credentials: loadCredentials(credentialSources),
    credentialSources,
    jwt: jwtConfig(vars),
    publicHealth: vars.INGRESS_PUBLIC_HEALTH,
    publicMetrics: vars.INGRESS_PUBLIC_METRICS,
    publicDocs: vars.INGRESS_PUBLIC_DOCS,
    allowedTopics: vars.INGRESS_ALLOWED_TOPICS,
    rateLimit:
      perSecond > 0
        ? { perSecond, burst: vars.INGRESS_RATE_LIMIT_BURST ?? Math.max(1, Math.ceil(perSecond)) }
        : undefined,
    idempotency: {
      ttlMs: vars.INGRESS_IDEMPOTENCY_TTL_MS,
      maxKeys: vars.INGRESS_IDEMPOTENCY_MAX_KEYS,
      store: vars.INGRESS_IDEMPOTENCY_STORE,
      topic: vars.INGRESS_IDEMPOTENCY_TOPIC,
      testDelayMs: vars.INGRESS_IDEMPOTENCY_TEST_DELAY_MS,
    },
    corsOrigins: vars.INGRESS_CORS_ORIGINS,
  };
}

function schemasDir(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) throw new ConfigError(`INGRESS_SCHEMAS_DIR must be a readable folder (got "${path}")`);
  return path;
}
