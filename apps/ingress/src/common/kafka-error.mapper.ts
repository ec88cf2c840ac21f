import {
  KafkaAuthorizationError,
  type KafkaError,
  KafkaOverloadedError,
  KafkaRejectedError,
  KafkaTimeoutError,
  RecordTooLargeError,
  UnknownPartitionError,
  UnknownTopicError,
} from '@app/kafka';
import { ApiError } from './api-error';

/** Seconds a client should wait before retrying while Kafka is down or slow. */
export const KAFKA_RETRY_AFTER_SECONDS = 5;
const OVERLOAD_RETRY_AFTER_SECONDS = 1;

/** The client's view of a Kafka failure: a stable code, a plain sentence, no internals. */
export function apiErrorFromKafka(error: KafkaError): ApiError {
  if (error instanceof UnknownTopicError)
    return new ApiError('TOPIC_NOT_FOUND', `Topic "${error.topic}" does not exist.`);
  if (error instanceof UnknownPartitionError) return new ApiError('PARTITION_NOT_FOUND', error.message);
  if (error instanceof RecordTooLargeError)
    return new ApiError('RECORD_TOO_LARGE', 'Kafka refused the record: it is larger than the topic or broker accepts.');
  if (error instanceof KafkaAuthorizationError)
    return new ApiError('TOPIC_FORBIDDEN', 'Kafka refused the gateway access to this topic.');
  if (error instanceof KafkaRejectedError) return new ApiError('RECORD_REJECTED', 'Kafka refused the record.');
  if (error instanceof KafkaOverloadedError) {
    return new ApiError(
      'OVERLOADED',
      'Too many records are waiting for Kafka; nothing was written. Retry shortly.',
      undefined,
      OVERLOAD_RETRY_AFTER_SECONDS,
    );
  }
  if (error instanceof KafkaTimeoutError) {
    return error.mayHaveBeenWritten
      ? new ApiError(
          'KAFKA_TIMEOUT',
          'Kafka did not acknowledge the record in time; it may or may not have been written.',
          undefined,
          KAFKA_RETRY_AFTER_SECONDS,
        )
      : new ApiError(
          'KAFKA_UNAVAILABLE',
          'Kafka did not accept the record in time; nothing was written.',
          undefined,
          KAFKA_RETRY_AFTER_SECONDS,
        );
  }
  return new ApiError(
    'KAFKA_UNAVAILABLE',
    'Kafka is unavailable; nothing was written. Retry later.',
    undefined,
    KAFKA_RETRY_AFTER_SECONDS,
  );
}
