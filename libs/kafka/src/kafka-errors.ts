/**
 * The few things that can go wrong when talking to Kafka, as the rest of the code sees them.
 * kafkajs errors are mapped here once; the HTTP layer maps these to status codes.
 */
export abstract class KafkaError extends Error {
  /** Whether trying the same thing again later may succeed. */
  abstract readonly retriable: boolean;
}

/** No broker answers, no leader, or too few in-sync replicas to accept a write. */
export class KafkaUnavailableError extends KafkaError {
  override readonly name = 'KafkaUnavailableError';
  readonly retriable = true;
}

/** The deadline passed before the cluster acknowledged; the write may or may not have happened. */
export class KafkaTimeoutError extends KafkaError {
  override readonly name = 'KafkaTimeoutError';
  readonly retriable = true;
  constructor(
    message: string,
    /** False only when the record provably never left this process. */
    readonly mayHaveBeenWritten: boolean,
  ) {
    super(message);
  }
}

/** Too many records are already waiting for the cluster; shed load instead of queueing forever. */
export class KafkaOverloadedError extends KafkaError {
  override readonly name = 'KafkaOverloadedError';
  readonly retriable = true;
}

export class UnknownTopicError extends KafkaError {
  override readonly name = 'UnknownTopicError';
  readonly retriable = false;
  constructor(readonly topic: string) {
    super(`Topic "${topic}" does not exist.`);
  }
}

export class UnknownPartitionError extends KafkaError {
  override readonly name = 'UnknownPartitionError';
  readonly retriable = false;
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly partitionCount: number,
  ) {
    super(
      `Topic "${topic}" has ${partitionCount} partition${partitionCount === 1 ? '' : 's'} (0-${partitionCount - 1}); partition ${partition} does not exist.`,
    );
  }
}

export class RecordTooLargeError extends KafkaError {
  override readonly name = 'RecordTooLargeError';
  readonly retriable = false;
}

export class KafkaAuthorizationError extends KafkaError {
  override readonly name = 'KafkaAuthorizationError';
  readonly retriable = false;
}

/** The broker refused the record for a reason of its own (invalid record, corrupt, policy). */
export class KafkaRejectedError extends KafkaError {
  override readonly name = 'KafkaRejectedError';
  readonly retriable = false;
}

interface KafkaJsLikeError {
  name?: string;
  type?: string;
  message?: string;
  retriable?: boolean;
  originalError?: unknown;
  cause?: unknown;
}

const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD_SIZE']);
const AUTHORIZATION = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED',
]);
const REJECTED = new Set([
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TIMESTAMP',
  'POLICY_VIOLATION',
  'INVALID_REQUIRED_ACKS',
  'UNSUPPORTED_FOR_MESSAGE_FORMAT',
]);

/** The error and what it wraps, outermost first: retries and wrappers hide what the broker said. */
function chainOf(error: unknown): KafkaJsLikeError[] {
  const chain: KafkaJsLikeError[] = [];
  let current = error as KafkaJsLikeError | undefined;
  while (current && typeof current === 'object' && chain.length < 10 && !chain.includes(current)) {
    chain.push(current);
    current = (current.originalError ?? current.cause) as KafkaJsLikeError | undefined;
  }
  return chain;
}

/** The innermost kafkajs error. */
function innermost(error: unknown): KafkaJsLikeError {
  const chain = chainOf(error);
  return chain[chain.length - 1] ?? {};
}

const typeOf = (error: unknown): string => (error as KafkaJsLikeError | undefined)?.type ?? '';

/** Maps anything kafkajs throws to one of the domain errors above. */
export function toKafkaError(error: unknown, topic?: string): KafkaError {
  if (error instanceof KafkaError) return error;
  const inner = innermost(error);
  const type = inner.type ?? '';
  if (type === 'UNKNOWN_TOPIC_OR_PARTITION' && topic !== undefined) return new UnknownTopicError(topic);
  if (TOO_LARGE.has(type)) return new RecordTooLargeError('The record is larger than the broker accepts.');
  if (AUTHORIZATION.has(type) || inner.name === 'KafkaJSSASLAuthenticationError') {
    return new KafkaAuthorizationError(`Kafka refused access (${type || 'authentication failed'}).`);
  }
  if (REJECTED.has(type)) return new KafkaRejectedError(`Kafka rejected the record (${type}).`);
  if (type === 'REQUEST_TIMED_OUT' || inner.name === 'KafkaJSRequestTimeoutError') {
    return new KafkaTimeoutError('Kafka did not acknowledge in time.', true);
  }
  return new KafkaUnavailableError(
    `Kafka is unavailable (${type || inner.name || 'unknown error'}: ${inner.message ?? ''}).`.replace(/: \)\.$/, ').'),
  );
}

/** Errors that concern one record (or topic) rather than the cluster: retrying it alone isolates it. */
export function isRecordSpecific(error: KafkaError): boolean {
  return (
    error instanceof RecordTooLargeError ||
    error instanceof KafkaRejectedError ||
    error instanceof UnknownTopicError ||
    error instanceof KafkaAuthorizationError
  );
}

// What the rest of the code asks of a kafkajs error: recognised here only (by kafkajs' type, which
// is Kafka's error code by kafkajs' name, and its class names), never by the caller.

const REBALANCING = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION']);
/** kafkajs' names for Kafka's COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, and a rebalance. */
const COORDINATOR_MOVING = new Set([
  'GROUP_LOAD_IN_PROGRESS',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR_FOR_GROUP',
  'REBALANCE_IN_PROGRESS',
]);

/** A heartbeat's answer that the group is rebalancing, or that this member must rejoin it. */
export function isRebalancing(error: unknown): boolean {
  return REBALANCING.has(typeOf(error));
}

/** A crash from a group coordinator that is loading or moving: routine, kafkajs rejoins by itself. */
export function isCoordinatorMoving(error: unknown): boolean {
  return chainOf(error)
    .slice(0, 5)
    .some((e) => COORDINATOR_MOVING.has(e.type ?? ''));
}

/** The broker does not know the topic (or partition), e.g. a subscription to a topic not created yet. */
export function isUnknownTopicOrPartition(error: unknown): boolean {
  return typeOf(error) === 'UNKNOWN_TOPIC_OR_PARTITION';
}

/** A topic creation that failed only because the topic (each of them) exists already. */
export function isTopicAlreadyExists(error: unknown): boolean {
  if (typeOf(error) === 'TOPIC_ALREADY_EXISTS') return true;
  const each = (error as { errors?: unknown[] } | undefined)?.errors;
  return each !== undefined && each.every((e) => typeOf(e) === 'TOPIC_ALREADY_EXISTS');
}

/** How a failed connection attempt failed, as far as kafkajs' own errors in the chain tell. */
export type KafkaJsConnectFailure = 'authentication' | 'closed' | 'timeout' | 'other' | 'not-kafkajs';

export function kafkaJsConnectFailure(error: unknown): KafkaJsConnectFailure {
  const names = chainOf(error).map((e) => e.name ?? '');
  if (!names.some((name) => name.startsWith('KafkaJS'))) return 'not-kafkajs';
  if (names.includes('KafkaJSSASLAuthenticationError')) return 'authentication';
  if (names.includes('KafkaJSConnectionClosedError')) return 'closed';
  if (names.includes('KafkaJSRequestTimeoutError')) return 'timeout';
  return 'other';
}

/** What a kafkajs log line is, by its text: kafkajs logs some failures before its caller hears of them. */
export type KafkaJsLogLine =
  /** The idempotent producer's warning about bounded retries (ours are bounded on purpose). */
  | 'idempotent-retry-limit'
  /** A failed connection, a closed one, or a failed authentication: reported once by kafka-connector. */
  | 'connect-failure'
  /** An error response or a consumer's crash and restart: also thrown to, or reported by, the caller. */
  | 'repeated-elsewhere'
  | 'other';

const CONNECT_LINE = /^(Connection error|Connection timeout|Failed to connect to seed broker|Closed connection)/;
const ERROR_RESPONSE_LINE = /^Response \w+\(key: \d+, version: \d+\)/;
const CONSUMER_RESTART_LINE = /^(Crash: |Restarting the consumer)/;

export function kafkaJsLogLine(message: string): KafkaJsLogLine {
  if (message.startsWith('Limiting retries for the idempotent producer')) return 'idempotent-retry-limit';
  if (CONNECT_LINE.test(message) || /authentication failed/i.test(message)) return 'connect-failure';
  if (ERROR_RESPONSE_LINE.test(message) || CONSUMER_RESTART_LINE.test(message)) return 'repeated-elsewhere';
  return 'other';
}

/**
 * The error a kafkajs connect-failure log line reports, to describe before the caller hears of it:
 * undefined when the line names no broker (except a closed connection: the seed broker hung up).
 */
export function errorOfKafkaJsLog(message: string, broker: string | undefined): object | undefined {
  if (message === 'Closed connection') return { name: 'KafkaJSConnectionClosedError', message };
  if (!broker || !/^Connection (error|timeout)/.test(message)) return undefined;
  return {
    name: 'KafkaJSConnectionError',
    message,
    broker,
    code: /\b(E[A-Z]{4,}|ERR_[A-Z_]+)\b/.exec(message)?.[1],
  };
}
