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
