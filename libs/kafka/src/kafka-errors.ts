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

/** The innermost kafkajs error: retries and wrappers hide what the broker said. */
function innermost(error: unknown): KafkaJsLikeError {
  let current = error as KafkaJsLikeError;
  for (let depth = 0; depth < 10; depth++) {
    const next = (current?.originalError ?? current?.cause) as KafkaJsLikeError | undefined;
    if (!next || next === current || typeof next !== 'object') break;
    current = next;
  }
  return current ?? {};
}

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
