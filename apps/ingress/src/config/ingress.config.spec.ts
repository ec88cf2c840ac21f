import { ConfigError } from '@app/config';
import { loadIngressConfig } from './ingress.config';

describe('loadIngressConfig: the Go gateway variables', () => {
  it.each([
    [{ GO_APP_PORT: ':8080' }, 8080],
    [{ GO_APP_PORT: '8081' }, 8081],
    [{ GO_APP_PORT: ' :8082 ' }, 8082],
  ])('listens on GO_APP_PORT %o when PORT is unset, with one warning naming PORT', (env, port) => {
    const config = loadIngressConfig(env);
    expect(config.port).toBe(port);
    expect(config.warnings).toEqual([
      "Using GO_APP_PORT (the Go gateway's variable) because PORT is unset; rename it to PORT",
    ]);
  });

  it('lets PORT win, and says GO_APP_PORT is ignored', () => {
    const config = loadIngressConfig({ PORT: '7000', GO_APP_PORT: ':8080' });
    expect(config.port).toBe(7000);
    expect(config.warnings).toEqual(['GO_APP_PORT is ignored because PORT is set; remove GO_APP_PORT']);
  });

  it('warns about nothing without the Go variables', () => {
    const config = loadIngressConfig({ PORT: '7000' });
    expect(config.port).toBe(7000);
    expect(config.warnings).toEqual([]);
    expect(config.kafka.warnings).toEqual([]);
    expect(loadIngressConfig({}).port).toBe(6969);
  });

  it.each(['8080:', '::8080', ':0', ':65536', 'http', ':80a'])('refuses GO_APP_PORT=%j with one line', (value) => {
    expect(() => loadIngressConfig({ GO_APP_PORT: value })).toThrow(ConfigError);
    expect(() => loadIngressConfig({ GO_APP_PORT: value })).toThrow(
      `GO_APP_PORT must be a port from 1 to 65535, with or without a leading ':' (got "${value}")`,
    );
  });

  it('reads the Go gateway BROKER into the Kafka configuration', () => {
    const config = loadIngressConfig({ BROKER: 'broker0:29092' });
    expect(config.kafka.connection.brokers).toEqual(['broker0:29092']);
    expect(config.kafka.warnings).toEqual([
      "Using BROKER (the Go gateway's variable) because KAFKA_BROKERS is unset; rename it to KAFKA_BROKERS",
    ]);
  });
});

describe('loadIngressConfig: access', () => {
  const jwks = { INGRESS_JWT_JWKS_URL: 'https://login.example.test/jwks.json' };

  it('reads the JWT settings, with scope as the default scope claim', () => {
    const config = loadIngressConfig({
      ...jwks,
      INGRESS_JWT_ISSUER: 'https://login.example.test/',
      INGRESS_JWT_AUDIENCE: 'gw',
    });
    expect(config.access.jwt).toEqual({
      jwksUrl: jwks.INGRESS_JWT_JWKS_URL,
      issuer: 'https://login.example.test/',
      audience: 'gw',
      scopeClaim: 'scope',
    });
    expect(loadIngressConfig({}).access.jwt).toBeUndefined();
  });

  it.each([
    [{ ...jwks, INGRESS_JWT_AUDIENCE: 'gw' }, 'INGRESS_JWT_JWKS_URL needs INGRESS_JWT_ISSUER too'],
    [{ ...jwks, INGRESS_JWT_ISSUER: 'x' }, 'INGRESS_JWT_JWKS_URL needs INGRESS_JWT_AUDIENCE too'],
    [{ INGRESS_JWT_ISSUER: 'x' }, 'INGRESS_JWT_ISSUER is set but INGRESS_JWT_JWKS_URL is not'],
    [
      { INGRESS_JWT_JWKS_URL: 'ftp://x/jwks', INGRESS_JWT_ISSUER: 'x', INGRESS_JWT_AUDIENCE: 'y' },
      'INGRESS_JWT_JWKS_URL must be an http(s) URL or file:',
    ],
    [
      { INGRESS_JWT_JWKS_URL: 'file:/nonexistent/jwks.json', INGRESS_JWT_ISSUER: 'x', INGRESS_JWT_AUDIENCE: 'y' },
      'INGRESS_JWT_JWKS_URL: cannot read /nonexistent/jwks.json',
    ],
  ])('refuses %o with one line', (env, message) => {
    expect(() => loadIngressConfig(env)).toThrow(ConfigError);
    expect(() => loadIngressConfig(env)).toThrow(message);
  });
});
