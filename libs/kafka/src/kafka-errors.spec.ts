import {
  KafkaAuthorizationError,
  KafkaRejectedError,
  KafkaTimeoutError,
  KafkaUnavailableError,
  RecordTooLargeError,
  toKafkaError,
  UnknownTopicError,
} from './kafka-errors';

/** Shaped like kafkajs' errors: a protocol error wrapped by the retrier. */
const protocolError = (type: string) => ({
  name: 'KafkaJSProtocolError',
  type,
  message: `broker said ${type}`,
  retriable: false,
});
const retriesExceeded = (cause: object) => ({
  name: 'KafkaJSNumberOfRetriesExceeded',
  message: 'retries exceeded',
  originalError: cause,
  cause,
});

describe('toKafkaError', () => {
  it.each([
    [protocolError('UNKNOWN_TOPIC_OR_PARTITION'), UnknownTopicError],
    [protocolError('MESSAGE_TOO_LARGE'), RecordTooLargeError],
    [protocolError('RECORD_LIST_TOO_LARGE'), RecordTooLargeError],
    [protocolError('TOPIC_AUTHORIZATION_FAILED'), KafkaAuthorizationError],
    [
      { name: 'KafkaJSSASLAuthenticationError', message: 'SASL SCRAM SHA512 authentication failed' },
      KafkaAuthorizationError,
    ],
    [protocolError('INVALID_RECORD'), KafkaRejectedError],
    [protocolError('REQUEST_TIMED_OUT'), KafkaTimeoutError],
    [protocolError('NOT_ENOUGH_REPLICAS'), KafkaUnavailableError],
    [{ name: 'KafkaJSConnectionError', message: 'connect ECONNREFUSED 127.0.0.1:9092' }, KafkaUnavailableError],
    [
      { name: 'KafkaJSRequestTimeoutError', message: 'Request Produce(key: 0, version: 7) timed out' },
      KafkaTimeoutError,
    ],
  ])('maps %o through retry wrappers', (inner, kind) => {
    expect(toKafkaError(retriesExceeded(inner), 'orders')).toBeInstanceOf(kind);
    expect(toKafkaError(inner, 'orders')).toBeInstanceOf(kind);
  });

  it('names the topic that does not exist', () => {
    expect(toKafkaError(protocolError('UNKNOWN_TOPIC_OR_PARTITION'), 'orders')).toMatchObject({
      topic: 'orders',
      retriable: false,
    });
  });

  it('treats anything unknown as the cluster being unavailable, which is retriable', () => {
    expect(toKafkaError(new Error('weird'))).toMatchObject({ retriable: true });
  });
});
