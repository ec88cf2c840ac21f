import {
  ConnectProblemReports,
  connectProblemOfLog,
  connectProblemReports,
  describeConnectError,
} from './kafka-connector';

/** kafkajs' errors as recorded from real attempts (the outer retry error wraps the cause). */
const wrapped = (inner: object) => ({
  name: 'KafkaJSNumberOfRetriesExceeded',
  message: (inner as { message: string }).message,
  originalError: inner,
});

describe('describeConnectError', () => {
  it.each([
    [
      {
        name: 'KafkaJSConnectionError',
        message: 'Connection error: connect ECONNREFUSED 127.0.0.1:1',
        code: 'ECONNREFUSED',
        broker: '127.0.0.1:1',
      },
      'cannot reach Kafka at 127.0.0.1:1: connection refused',
    ],
    [
      {
        name: 'KafkaJSConnectionError',
        message: 'Connection error: getaddrinfo ENOTFOUND kafka.invalid',
        code: 'ENOTFOUND',
        broker: 'kafka.invalid:9092',
      },
      'cannot reach Kafka at kafka.invalid:9092: the host name does not resolve (DNS ENOTFOUND)',
    ],
    [
      {
        name: 'KafkaJSConnectionError',
        message: 'Connection error: ...:SSL routines:ssl3_get_record:wrong version number',
        code: 'ERR_SSL_WRONG_VERSION_NUMBER',
        broker: '127.0.0.1:9093',
      },
      'cannot reach Kafka at 127.0.0.1:9093: the TLS handshake failed (wrong version number)',
    ],
    [
      {
        name: 'KafkaJSConnectionClosedError',
        message: 'Closed connection',
        broker: '127.0.0.1:8080',
        host: '127.0.0.1',
      },
      'cannot reach Kafka at 127.0.0.1:8080: the server closed the connection without a Kafka answer',
    ],
    [
      {
        name: 'KafkaJSRequestTimeoutError',
        message: 'Request ApiVersions(key: 18, version: 2) timed out',
        broker: '127.0.0.1:7000',
      },
      'cannot reach Kafka at 127.0.0.1:7000: no answer in time',
    ],
  ])('names the broker and the cause: %j', (error, expected) => {
    expect(describeConnectError(wrapped(error))).toContain(expected);
  });

  it('falls back to the configured brokers and names the SASL variables on refused credentials', () => {
    const sasl = {
      name: 'KafkaJSSASLAuthenticationError',
      message:
        'SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
    };
    expect(describeConnectError(wrapped(sasl), ['b1:9092', 'b2:9092'])).toMatch(
      /^Kafka refused the credentials at b1:9092,b2:9092 \(.*\); check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD$/,
    );
  });

  it('passes a problem of its own through unchanged', () => {
    expect(describeConnectError(new Error('topic "t" does not exist (yet)'), ['b:9092'])).toBe(
      'topic "t" does not exist (yet)',
    );
  });
});

describe('ConnectProblemReports', () => {
  it('reports a problem at once, then after 10 s, 20 s, 40 s while it lasts, once for every client', () => {
    let now = 0;
    const reports = new ConnectProblemReports(() => now);
    const reportedAt: number[] = [];
    for (; now <= 75_000; now += 500) {
      // Three clients (admin, producer, consumer) failing for the same reason.
      for (let client = 0; client < 3; client++) if (reports.due('refused') !== undefined) reportedAt.push(now);
    }
    expect(reportedAt).toEqual([0, 10_000, 30_000, 70_000]);
  });

  it('reports a different problem at once, and the same one again at once after it was gone for a while', () => {
    let now = 0;
    const reports = new ConnectProblemReports(() => now);
    expect(reports.due('refused')).toBe(10_000);
    now = 1_000;
    expect(reports.due('tls')).toBe(10_000);
    expect(reports.due('refused')).toBeUndefined();
    now = 1_000 + 301_000;
    expect(reports.due('refused')).toBe(10_000);
  });

  it('tells a client still in its first attempt the problem another client met last, for 10 s', () => {
    let now = 0;
    const reports = new ConnectProblemReports(() => now);
    expect(reports.recent()).toBeUndefined();
    reports.due('refused');
    now = 500;
    reports.due('tls'); // quiet or not, it is the latest
    now = 10_500;
    expect(reports.recent()).toBe('tls');
    now = 10_501;
    expect(reports.recent()).toBeUndefined();
  });
});

describe('connectProblemOfLog', () => {
  it("describes kafkajs' first connection error as the caller will once its retries end", () => {
    const refused = {
      name: 'KafkaJSConnectionError',
      message: 'Connection error: connect ECONNREFUSED 127.0.0.1:1',
      code: 'ECONNREFUSED',
      broker: '127.0.0.1:1',
    };
    expect(connectProblemOfLog(refused.message, refused.broker)).toBe(describeConnectError(wrapped(refused)));
    const tls = {
      name: 'KafkaJSConnectionError',
      message:
        'Connection error: 80:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl3_record.c:350:\n',
      code: 'ERR_SSL_WRONG_VERSION_NUMBER',
      broker: 'b:9093',
    };
    expect(connectProblemOfLog(tls.message, tls.broker)).toBe(describeConnectError(wrapped(tls)));
    expect(connectProblemOfLog(tls.message, tls.broker)).toContain('the TLS handshake failed (wrong version number)');
    connectProblemReports.configuredBrokers = ['127.0.0.1:8080'];
    const closed = {
      name: 'KafkaJSConnectionClosedError',
      message: 'Closed connection',
      broker: '127.0.0.1:8080',
      host: '127.0.0.1',
    };
    expect(connectProblemOfLog('Closed connection', undefined)).toBe(describeConnectError(wrapped(closed)));
    expect(
      connectProblemOfLog(
        'Response Metadata(key: 3, version: 6): This server does not host this topic-partition',
        'b:9092',
      ),
    ).toBeUndefined();
  });
});
