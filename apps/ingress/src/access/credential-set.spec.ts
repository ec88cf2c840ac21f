import { sha256Hex } from '../config/credentials';
import { CredentialSet } from './credential-set';

const CHECKOUT = 'k-checkout-0123456789';
const PLAIN = 'plain-key-0123456789';

describe('CredentialSet', () => {
  const set = new CredentialSet([
    { name: 'checkout', sha256: sha256Hex(CHECKOUT), topics: ['orders.*', 'carts'], rateLimitRps: 2.5 },
    { sha256: sha256Hex(PLAIN) },
  ]);

  it('finds a named credential by its key, with its scopes and limit, and a metric label', () => {
    const client = set.find(CHECKOUT)!;
    expect(client).toMatchObject({
      id: 'checkout',
      metricLabel: 'checkout',
      described: 'credential "checkout"',
      rateLimit: { perSecond: 2.5, burst: 3 },
    });
    expect(['orders.eu', 'orders.eu.v1', 'carts', 'audit', 'carts2'].map((t) => client.mayWrite!(t))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it('names an unnamed API key by a prefix of its hash, with every topic and no metric label', () => {
    const client = set.find(PLAIN)!;
    expect(client.id).toBe(`key:${sha256Hex(PLAIN).slice(0, 12)}`);
    expect(client.metricLabel).toBeUndefined();
    expect(client.mayWrite).toBeUndefined();
  });

  it('finds nothing for another key, a prefix of a key, or the hash itself', () => {
    for (const presented of [`${CHECKOUT}x`, CHECKOUT.slice(0, -1), sha256Hex(CHECKOUT), ''])
      expect(set.find(presented)).toBeUndefined();
  });
});
