import { ConfigError } from '@app/config';
import { kafkaConfigFromEnv } from './kafka.config';

describe('kafkaConfigFromEnv', () => {
  it('defaults to a local broker without TLS or SASL', () => {
    const config = kafkaConfigFromEnv({});
    expect(config.connection).toMatchObject({
      brokers: ['127.0.0.1:9092'],
      tls: undefined,
      sasl: undefined,
      connectionTimeoutMs: 3000,
      requestTimeoutMs: 10_000,
    });
    expect(config.producer).toEqual({
      batchMaxRecords: 1000,
      batchMaxBytes: 524288,
      maxQueuedRecords: 20000,
      compression: 'none',
    });
  });

  it('lets command-line brokers win over the environment', () => {
    expect(kafkaConfigFromEnv({ KAFKA_BROKERS: 'a:1' }, { brokers: ['b:2'] }).connection.brokers).toEqual(['b:2']);
  });

  it('falls back to the Go gateway BROKER when KAFKA_BROKERS is unset, with one warning naming KAFKA_BROKERS', () => {
    const config = kafkaConfigFromEnv({ BROKER: 'broker0:29092,broker1:29092', KAFKA_BROKERS: ' ' });
    expect(config.connection.brokers).toEqual(['broker0:29092', 'broker1:29092']);
    expect(config.warnings).toEqual([
      "Using BROKER (the Go gateway's variable) because KAFKA_BROKERS is unset; rename it to KAFKA_BROKERS",
    ]);
  });

  it('lets KAFKA_BROKERS win over BROKER, saying BROKER is ignored, and flags win over both silently', () => {
    const config = kafkaConfigFromEnv({ BROKER: 'old:1', KAFKA_BROKERS: 'new:2' });
    expect(config.connection.brokers).toEqual(['new:2']);
    expect(config.warnings).toEqual(['BROKER is ignored because KAFKA_BROKERS is set; remove BROKER']);
    expect(kafkaConfigFromEnv({ BROKER: 'old:1' }, { brokers: ['flag:3'] })).toMatchObject({
      connection: { brokers: ['flag:3'] },
      warnings: [],
    });
    expect(kafkaConfigFromEnv({}).warnings).toEqual([]);
  });

  it('reads SASL credentials for each supported mechanism', () => {
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512']) {
      const config = kafkaConfigFromEnv({
        KAFKA_SASL_MECHANISM: mechanism,
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
      });
      expect(config.connection.sasl).toEqual({ mechanism, username: 'u', password: 'p' });
    }
  });

  it('reads TLS files when KAFKA_SSL is true', () => {
    const config = kafkaConfigFromEnv({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: __filename });
    expect(config.connection.tls).toMatchObject({
      rejectUnauthorized: true,
      ca: expect.stringContaining('kafkaConfigFromEnv'),
    });
  });

  it.each([
    [
      { KAFKA_SASL_MECHANISM: 'gssapi' },
      /^KAFKA_SASL_MECHANISM must be one of plain, scram-sha-256, scram-sha-512 \(got "gssapi"\)$/,
    ],
    [{ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' }, /^KAFKA_SASL_PASSWORD must be set/],
    [{ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, /^KAFKA_SASL_MECHANISM must be one of/],
    [{ KAFKA_SSL_CA_FILE: __filename }, /^KAFKA_SSL_CA_FILE is set, so KAFKA_SSL must be true/],
    [
      { KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: __filename },
      /^KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE must be set together/,
    ],
    [{ KAFKA_BROKERS: 'localhost' }, /^KAFKA_BROKERS must be a comma-separated list of host:port/],
    [{ BROKER: 'broker0' }, /^BROKER must be a comma-separated list of host:port bootstrap brokers \(got "broker0"\)$/],
  ])('refuses %o with one line', (env, message) => {
    expect(() => kafkaConfigFromEnv(env)).toThrow(ConfigError);
    expect(() => kafkaConfigFromEnv(env)).toThrow(message);
  });
});
