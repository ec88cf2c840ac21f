import { ConfigError } from '@app/config';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCredentials, sha256Hex } from './credentials';

const KEY = 'k-checkout-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'credentials-'));
let n = 0;
const file = (text: string, ext = 'yaml') => {
  const path = join(dir, `c${n++}.${ext}`);
  writeFileSync(path, text);
  return path;
};
const load = (text: string, ext?: string) => loadCredentials({ apiKeys: [], credentialsFile: file(text, ext) });

describe('loadCredentials', () => {
  it('reads named credentials from YAML, keeping only the SHA-256 of each key', () => {
    const audit = 'a'.repeat(64);
    const credentials = load(`
credentials:
  - name: checkout
    key: "${KEY}"
    topics: ["orders.*"]
    rateLimitRps: 200
  - name: audit
    sha256: "${audit.toUpperCase()}"
`);
    expect(credentials).toEqual([
      { name: 'checkout', sha256: sha256Hex(KEY), topics: ['orders.*'], rateLimitRps: 200 },
      { name: 'audit', sha256: audit, topics: undefined, rateLimitRps: undefined },
    ]);
  });

  it('reads JSON too, and adds INGRESS_API_KEYS as unnamed credentials with every topic', () => {
    const credentials = loadCredentials({
      apiKeys: ['plain-key-0123456789', KEY],
      credentialsFile: file(JSON.stringify({ credentials: [{ name: 'checkout', key: KEY }] }), 'json'),
    });
    expect(credentials.map((c) => c.name)).toEqual(['checkout', undefined]);
    expect(credentials[1]).toEqual({ sha256: sha256Hex('plain-key-0123456789') });
  });

  it.each([
    [
      'an unknown field',
      'credentials:\n  - name: a\n    key: "' + KEY + '"\n    topic: ["x"]',
      /unknown field "topic"/,
    ],
    ['a bad glob', 'credentials:\n  - name: a\n    key: "' + KEY + '"\n    topics: ["orders.["]', /topics\[0\]/],
    ['a glob with a slash', 'credentials:\n  - name: a\n    key: "' + KEY + '"\n    topics: ["a/b"]', /topics\[0\]/],
    [
      'both key and sha256',
      `credentials:\n  - name: a\n    key: "${KEY}"\n    sha256: "${'a'.repeat(64)}"`,
      /exactly one/,
    ],
    ['a short key', 'credentials:\n  - name: a\n    key: short', /key must be/],
    ['a bad sha256', 'credentials:\n  - name: a\n    sha256: abc', /sha256 must be/],
    ['a bad name', `credentials:\n  - name: "a b"\n    key: "${KEY}"`, /name must be/],
    [
      'a name used twice',
      `credentials:\n  - name: a\n    key: "${KEY}"\n  - name: a\n    key: "${KEY}x"`,
      /used twice/,
    ],
    ['a key used twice', `credentials:\n  - name: a\n    key: "${KEY}"\n  - name: b\n    key: "${KEY}"`, /same key/],
    ['a zero rate', `credentials:\n  - name: a\n    key: "${KEY}"\n    rateLimitRps: 0`, /rateLimitRps/],
    ['an empty list', 'credentials: []', /non-empty/],
    ['another top-level field', `credentials: []\nkeys: []`, /one field/],
    ['not YAML', 'credentials: [', /cannot read/],
    ['duplicate keys', `credentials:\n  - name: a\n    name: b\n    key: "${KEY}"`, /cannot read/],
  ])('refuses %s with one line naming the variable', (_, text, message) => {
    expect(() => load(text)).toThrow(ConfigError);
    expect(() => load(text)).toThrow(message);
    try {
      load(text);
    } catch (error) {
      expect((error as Error).message).toMatch(/^INGRESS_CREDENTIALS_FILE: [^\n]+$/);
    }
  });
});
