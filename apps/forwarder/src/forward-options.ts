import type { LogFormat, LogLevel } from '@app/observability';
import type { Position } from './replay/position';
import type { Ordering } from './transport/forward-transport-options';

/** Everything the `forward` command was told, validated, with defaults applied. */
export interface ForwardOptions {
  topic: string;
  targetUrl: string;
  /** From --brokers; KAFKA_BROKERS (read by @app/kafka) otherwise. */
  brokers?: string[];
  group: string;
  /** Deliveries in flight: a fixed number, or 'auto' (adaptive, between minWorkers and maxWorkers). */
  workers: number | 'auto';
  minWorkers: number;
  maxWorkers: number;
  ordering: Ordering;
  /** Deliveries per second; 0 = unlimited. */
  rate: number;
  retries: number;
  retryDelayMs: number;
  retryMaxDelayMs: number;
  timeoutMs: number;
  dlqTopic: string;
  headers: Record<string, string>;
  retry4xx: boolean;
  healthPort?: number;
  statsIntervalS: number;
  maxMessages?: number;
  idleExitMs?: number;
  shutdownTimeoutMs: number;
  maxPending: number;
  circuitThreshold: number;
  circuitCooldownMs: number;
  sessionTimeoutMs: number;
  httpClient: 'axios' | 'undici';
  /** --signing-secret, as given (checked by the command); none means unsigned. */
  signingSecrets?: string[];
  /** Records per request: 1 sends each record alone (the envelope), more sends JSON arrays of envelopes. */
  batchMax: number;
  /** A batch is sent before its body would exceed this many bytes (a single record may exceed it). */
  batchMaxBytes: number;
  /** How long a batch waits for more records before it is sent. */
  batchLingerMs: number;
  /** --filter: a CEL expression; records it does not match are committed, not delivered. */
  filter?: string;
  /** --oauth2-*: client credentials for a bearer token on every request (the secret read from its file). */
  oauth2TokenUrl?: string;
  oauth2ClientId?: string;
  oauth2ClientSecret?: string;
  oauth2ClientSecretFile?: string;
  oauth2Scope?: string;
  oauth2Audience?: string;
  /** --tls-*: PEM files for a client certificate and the target's trust, re-read when they change. */
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  /** --from: where partitions without a committed offset start. */
  from?: Position;
  /** --schema-registry-url: records in its wire format are decoded to JSON before delivery. */
  schemaRegistryUrl?: string;
}

/** How the forwarder logs: --log-level and --log-format (LOG_LEVEL, LOG_FORMAT), validated. */
export interface ForwardLogging {
  level: LogLevel;
  format: LogFormat;
}
