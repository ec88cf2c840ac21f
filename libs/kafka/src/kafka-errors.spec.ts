import {
  errorOfKafkaJsLog,
  isCoordinatorMoving,
  isRebalancing,
  isTopicAlreadyExists,
  isUnknownTopicOrPartition,
  KafkaAuthorizationError,
  kafkaJsConnectFailure,
  kafkaJsLogLine,
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

describe('kafkajs errors as the rest of the code asks about them', () => {
  it('tells a rebalance from other heartbeat failures', () => {
    expect(isRebalancing(protocolError('REBALANCE_IN_PROGRESS'))).toBe(true);
    expect(isRebalancing(protocolError('ILLEGAL_GENERATION'))).toBe(true);
    expect(isRebalancing(protocolError('UNKNOWN_MEMBER_ID'))).toBe(false);
  });

  it('finds a moving coordinator under the retrier', () => {
    expect(isCoordinatorMoving(retriesExceeded(protocolError('GROUP_COORDINATOR_NOT_AVAILABLE')))).toBe(true);
    expect(isCoordinatorMoving(retriesExceeded(protocolError('INVALID_RECORD')))).toBe(false);
  });

  it('knows an unknown topic, and a creation that failed only because the topics exist', () => {
    expect(isUnknownTopicOrPartition(protocolError('UNKNOWN_TOPIC_OR_PARTITION'))).toBe(true);
    expect(isTopicAlreadyExists(protocolError('TOPIC_ALREADY_EXISTS'))).toBe(true);
    expect(isTopicAlreadyExists({ errors: [protocolError('TOPIC_ALREADY_EXISTS')] })).toBe(true);
    expect(
      isTopicAlreadyExists({ errors: [protocolError('TOPIC_ALREADY_EXISTS'), protocolError('POLICY_VIOLATION')] }),
    ).toBe(false);
  });

  it('says how a connection attempt failed', () => {
    expect(kafkaJsConnectFailure(new Error('topic does not exist (yet)'))).toBe('not-kafkajs');
    expect(kafkaJsConnectFailure(retriesExceeded({ name: 'KafkaJSSASLAuthenticationError' }))).toBe('authentication');
    expect(kafkaJsConnectFailure({ name: 'KafkaJSConnectionClosedError' })).toBe('closed');
    expect(kafkaJsConnectFailure({ name: 'KafkaJSRequestTimeoutError' })).toBe('timeout');
    expect(kafkaJsConnectFailure({ name: 'KafkaJSConnectionError' })).toBe('other');
  });

  it('sorts kafkajs log lines, and reads the error a connect-failure line reports', () => {
    expect(kafkaJsLogLine('Limiting retries for the idempotent producer to 5')).toBe('idempotent-retry-limit');
    expect(kafkaJsLogLine('Connection error: connect ECONNREFUSED 127.0.0.1:1')).toBe('connect-failure');
    expect(kafkaJsLogLine('Response Produce(key: 0, version: 7)')).toBe('repeated-elsewhere');
    expect(kafkaJsLogLine('Consumer has joined the group')).toBe('other');
    expect(errorOfKafkaJsLog('Connection error: connect ECONNREFUSED 127.0.0.1:1', '127.0.0.1:1')).toMatchObject({
      broker: '127.0.0.1:1',
      code: 'ECONNREFUSED',
    });
    expect(errorOfKafkaJsLog('Connection error: x', undefined)).toBeUndefined();
  });
});
