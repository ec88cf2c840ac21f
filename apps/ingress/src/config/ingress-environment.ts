import { EnvBoolean, EnvFile, EnvInteger, EnvList, EnvNumber, EnvOneOf, EnvPort, EnvText } from '@app/config';
import { TOPIC_NAME } from '@app/kafka';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '@app/observability';
import { IsOptional } from 'class-validator';

/** API keys: printable ASCII without spaces or commas, long enough not to be guessed. */
export const API_KEY = /^[\x21-\x2b\x2d-\x7e]{16,256}$/;
/** A topic name, or a glob of one (`*`, `?`, `[...]`). */
export const TOPIC_GLOB = /^[a-zA-Z0-9._\-*?[\]!]{1,249}$/;
const ORIGIN = /^(\*|https?:\/\/[^\s,/]+)$/;
export const IDEMPOTENCY_STORES = ['shared', 'memory'] as const;
export type IdempotencyStoreKind = (typeof IDEMPOTENCY_STORES)[number];

/** The ingress's own environment variables; Kafka's are in @app/kafka. */
export class IngressEnvironment {
  @EnvInteger(1, 65535)
  PORT = 6969;

  /** The Go gateway's name for PORT (`:8080` or `8080`), read only when PORT is unset. */
  @EnvPort()
  @IsOptional()
  GO_APP_PORT?: number;

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

  @EnvInteger(1_000, 600_000)
  INGRESS_REQUEST_TIMEOUT_MS = 30_000;

  @EnvOneOf(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'log';

  @EnvOneOf(LOG_FORMATS)
  LOG_FORMAT: LogFormat = 'auto';

  @EnvBoolean()
  INGRESS_ACCESS_LOG = false;

  @EnvList(API_KEY, 'a comma-separated list of API keys, each 16-256 printable characters without spaces or commas')
  @IsOptional()
  INGRESS_API_KEYS?: string[];

  @EnvFile()
  INGRESS_API_KEYS_FILE?: string;

  @EnvFile()
  INGRESS_CREDENTIALS_FILE?: string;

  @EnvText(/^(https?:\/\/[^\s]+|file:[^\s]+)$/, 'an http(s) URL or file:<path> of a JSON Web Key Set')
  @IsOptional()
  INGRESS_JWT_JWKS_URL?: string;

  @EnvText(/^\S{1,1024}$/, 'the issuer (iss) the tokens must carry, such as https://login.example.com/')
  @IsOptional()
  INGRESS_JWT_ISSUER?: string;

  @EnvText(/^\S{1,1024}$/, 'the audience (aud) the tokens must carry')
  @IsOptional()
  INGRESS_JWT_AUDIENCE?: string;

  @EnvText(/^[A-Za-z0-9_.:-]{1,128}$/, 'the name of the claim that lists the scopes, such as scope or scp')
  INGRESS_JWT_SCOPE_CLAIM = 'scope';

  @EnvBoolean()
  INGRESS_PUBLIC_HEALTH = true;

  @EnvBoolean()
  INGRESS_PUBLIC_METRICS = true;

  @EnvBoolean()
  INGRESS_PUBLIC_DOCS = true;

  @EnvList(TOPIC_GLOB, 'a comma-separated list of topic names or globs such as orders.*')
  @IsOptional()
  INGRESS_ALLOWED_TOPICS?: string[];

  @EnvNumber(0, 1_000_000)
  INGRESS_RATE_LIMIT_RPS = 0;

  @EnvInteger(1, 10_000_000)
  @IsOptional()
  INGRESS_RATE_LIMIT_BURST?: number;

  @EnvInteger(0, 86_400_000)
  INGRESS_IDEMPOTENCY_TTL_MS = 600_000;

  @EnvInteger(1, 10_000_000)
  INGRESS_IDEMPOTENCY_MAX_KEYS = 50_000;

  /** `shared`: one key space for every replica, kept in INGRESS_IDEMPOTENCY_TOPIC; `memory`: per instance. */
  @EnvOneOf(IDEMPOTENCY_STORES)
  INGRESS_IDEMPOTENCY_STORE: IdempotencyStoreKind = 'shared';

  @EnvText(TOPIC_NAME, 'a Kafka topic name')
  INGRESS_IDEMPOTENCY_TOPIC = 'kafka-http-gateway.idempotency';

  /** Test only: a pause between winning an Idempotency-Key claim and writing the record. */
  @EnvInteger(0, 600_000)
  INGRESS_IDEMPOTENCY_TEST_DELAY_MS = 0;

  @EnvList(ORIGIN, 'a comma-separated list of origins such as https://app.example.com, or *')
  @IsOptional()
  INGRESS_CORS_ORIGINS?: string[];

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

  /** Payload contracts: `<topic>.json` JSON Schema files, checked when they change. */
  @EnvText(/^\S(.*\S)?$/, 'a folder of <topic>.json JSON Schema files')
  @IsOptional()
  INGRESS_SCHEMAS_DIR?: string;

  /** Payload contracts from a Confluent-compatible Schema Registry (subject <topic>-value). */
  @EnvText(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'an http:// or https:// URL (user:password@ for basic auth)')
  @IsOptional()
  SCHEMA_REGISTRY_URL?: string;
}
