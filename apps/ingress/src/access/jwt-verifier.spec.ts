import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidTokenError, JwtVerifier } from './jwt-verifier';

const ISSUER = 'https://issuer.example';
const AUDIENCE = 'kafka-gateway';

describe('JwtVerifier (key set from a file)', () => {
  let key: KeyLike;
  let verifier: JwtVerifier;
  const sign = (claims: JWTPayload, expires: string | number = '5m') =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(expires)
      .sign(key);

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    key = pair.privateKey;
    const path = join(mkdtempSync(join(tmpdir(), 'jwks-')), 'jwks.json');
    writeFileSync(path, JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] }));
    verifier = new JwtVerifier({ jwksUrl: `file:${path}`, issuer: ISSUER, audience: AUDIENCE, scopeClaim: 'scope' });
  });

  it('names the client by client_id, then azp, then sub, and grants the produce:<glob> scopes', async () => {
    const client = await verifier.verify(await sign({ sub: 's', azp: 'a', scope: 'openid produce:orders.* x:y' }));
    expect(client.id).toBe('token:a');
    expect(client.metricLabel).toBeUndefined();
    expect(client.mayWrite!('orders.eu')).toBe(true);
    expect(client.mayWrite!('audit')).toBe(false);
    const listed = await verifier.verify(await sign({ sub: 's', client_id: 'c', scope: ['produce:audit'] }));
    expect(listed.id).toBe('token:c');
    expect(listed.mayWrite!('audit')).toBe(true);
  });

  it('grants no topic to a token without a produce scope', async () => {
    const client = await verifier.verify(await sign({ sub: 's', scope: 'openid' }));
    expect(client.mayWrite!('orders')).toBe(false);
  });

  it('accepts a token expired by less than the 30 s skew, refuses one expired longer ago', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect(verifier.verify(await sign({ sub: 's' }, now - 10))).resolves.toBeDefined();
    await expect(verifier.verify(await sign({ sub: 's' }, now - 60))).rejects.toThrow('The token has expired.');
  });

  it.each(['', 'a.b', 'a.b.c.d', '.'.repeat(1000), 'not base64!.x.y', `${'a'.repeat(9000)}.b.c`, 'e30.e30.'])(
    'refuses %j as an invalid token',
    async (token) => {
      await expect(verifier.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
    },
  );
});
