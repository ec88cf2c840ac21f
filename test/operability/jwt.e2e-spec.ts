import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postJson } from '../support/http';
import { TestKafka, testBrokers } from '../support/kafka-admin';
import { readAll } from '../support/kcat';
import { startIngress, stopAll, waitFor, type AppProcess } from '../support/processes';

const ISSUER = 'https://login.example.test/';
const AUDIENCE = 'kafka-gateway';
const API_KEY = 'k-plain-0123456789abcdef';

interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  publicKey: KeyLike;
}

async function signingKey(kid: string): Promise<SigningKey> {
  return { kid, ...(await generateKeyPair('RS256')) };
}

/** A JWKS endpoint the test controls: which keys it publishes, and how often it was asked. */
class JwksServer {
  fetches = 0;
  keys: SigningKey[] = [];
  private readonly server: Server = createServer((_, response) => {
    this.fetches++;
    void Promise.all(
      this.keys.map(async (k) => ({ ...(await exportJWK(k.publicKey)), kid: k.kid, alg: 'RS256' })),
    ).then((keys) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys })));
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/jwks.json`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const token = (key: SigningKey, claims: JWTPayload = {}, options: { exp?: number; iss?: string; aud?: string } = {}) =>
  new SignJWT({ client_id: 'billing', scope: 'openid produce:orders-*', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? Math.floor(Date.now() / 1000) + 300)
    .sign(key.privateKey);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('OIDC / JWT bearer tokens', () => {
  const brokers = testBrokers();
  const kafka = new TestKafka(brokers);
  const jwks = new JwksServer();
  let ingress: AppProcess;
  let orders: string;
  let audit: string;
  let first: SigningKey;

  const produce = (bearer: string, topic = orders) =>
    postJson(`${ingress.url}/produce`, { topic, payload: 1 }, { headers: { authorization: `Bearer ${bearer}` } });

  beforeAll(async () => {
    [orders, audit] = await Promise.all([kafka.createTopic('orders', 1), kafka.createTopic('audit', 1)]);
    first = await signingKey('k1');
    jwks.keys = [first];
    ingress = await startIngress({
      KAFKA_BROKERS: brokers,
      INGRESS_JWT_JWKS_URL: await jwks.start(),
      INGRESS_JWT_ISSUER: ISSUER,
      INGRESS_JWT_AUDIENCE: AUDIENCE,
      INGRESS_API_KEYS: API_KEY,
      INGRESS_ACCESS_LOG: 'true',
      LOG_LEVEL: 'log',
      LOG_FORMAT: 'json',
    });
  });
  afterAll(async () => {
    await stopAll();
    await jwks.stop();
  });

  it('writes with a valid token whose scope grants the topic, and names its client on the access log', async () => {
    const response = await produce(await token(first));
    expect(response.status).toBe(200);
    expect((await readAll(brokers, orders)).length).toBe(1);
    await waitFor('an access log line naming the token client', async () =>
      ingress.output().includes('"client":"token:billing"'),
    );
  });

  it('accepts API keys on the same gateway', async () => {
    expect((await produce(API_KEY)).status).toBe(200);
  });

  it.each([
    ['expired', () => token(first, {}, { exp: Math.floor(Date.now() / 1000) - 120 })],
    ['for another audience', () => token(first, {}, { aud: 'someone-else' })],
    ['from another issuer', () => token(first, {}, { iss: 'https://evil.example.test/' })],
    ['with alg none', async () => `${b64({ alg: 'none', kid: 'k1' })}.${(await token(first)).split('.')[1]}.`],
    [
      'HS256 with the public key as secret',
      async () =>
        new SignJWT({ client_id: 'billing', scope: 'produce:orders-*' })
          .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode(await exportSPKI(first.publicKey))),
    ],
    ['with a bad signature', async () => `${(await token(first)).slice(0, -4)}AAAA`],
    ['signed by an unpublished key', async () => token(await signingKey('k1'))],
  ])('answers 401 invalid_token to a token %s, and writes nothing', async (_, make) => {
    const before = (await readAll(brokers, orders)).length;
    const response = await produce(await make());
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('UNAUTHORIZED');
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await readAll(brokers, orders)).length).toBe(before);
  });

  it('answers 403 to a token without a scope for the topic, naming its client', async () => {
    const outside = await produce(await token(first), audit);
    expect(outside.status).toBe(403);
    expect(outside.body).toMatchObject({ code: 'TOPIC_NOT_ALLOWED' });
    expect(outside.body.error).toContain('token client "billing"');
    const none = await produce(await token(first, { scope: 'openid' }));
    expect(none.status).toBe(403);
    expect(await readAll(brokers, audit)).toEqual([]);
  });

  it.each([
    ['huge', `${'a'.repeat(6_000)}.${'b'.repeat(6_000)}.c`],
    ['made of 1 000 dots', '.'.repeat(1_000)],
    ['not base64url', 'eyJ!!!.eyJ***.sig~'],
    ['headed by something not JSON', `${Buffer.from('{not json').toString('base64url')}.e30.sig`],
  ])('answers 401 to a token that is %s, and stays up', async (_, bearer) => {
    const before = (await readAll(brokers, orders)).length;
    const response = await produce(bearer);
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('UNAUTHORIZED');
    expect((await fetch(`${ingress.url}/health/live`)).status).toBe(200);
    expect((await readAll(brokers, orders)).length).toBe(before);
  });

  it('answers 503 AUTH_UNAVAILABLE with Retry-After while the key set cannot be fetched, without its details', async () => {
    const unreachable = await startIngress({
      KAFKA_BROKERS: brokers,
      INGRESS_JWT_JWKS_URL: 'http://127.0.0.1:1/jwks.json',
      INGRESS_JWT_ISSUER: ISSUER,
      INGRESS_JWT_AUDIENCE: AUDIENCE,
    });
    const response = await postJson(
      `${unreachable.url}/produce`,
      { topic: orders, payload: 1 },
      { headers: { authorization: `Bearer ${await token(first)}` } },
    );
    expect(response.status).toBe(503);
    expect(response.body.code).toBe('AUTH_UNAVAILABLE');
    expect(response.body.error).not.toContain('127.0.0.1');
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('fetches the key set again for an unknown kid after a key rotation, and not for every unknown kid', async () => {
    const fetchesBefore = jwks.fetches;
    const stranger = await signingKey('nobody');
    const unknown = await Promise.all(Array.from({ length: 20 }, () => token(stranger)));
    for (const bearer of unknown) expect((await produce(bearer)).status).toBe(401);
    expect(jwks.fetches - fetchesBefore).toBeLessThanOrEqual(1);

    const second = await signingKey('k2');
    jwks.keys = [first, second];
    const rotated = await token(second);
    // The refetch is rate-limited (once per 10 s), so the new kid is accepted once that has passed.
    await waitFor(
      'a token of the rotated key to be accepted',
      async () => (await produce(rotated)).status === 200,
      30_000,
      500,
    );
    expect(jwks.fetches - fetchesBefore).toBeLessThanOrEqual(5);
  });
});
