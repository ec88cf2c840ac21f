import * as crypto from 'node:crypto';
import picomatch from 'picomatch';
import { TOPIC_GLOB_OPTIONS, type CredentialSpec } from '../config/credentials';
import type { AuthenticatedClient } from './authenticated-client';

/**
 * Node's one-shot crypto.hash (20.12 and later) costs a third of createHash().update().digest()
 * (0.4 against 1.2-2 µs measured here, the bulk of what a key costs); older Nodes keep the latter.
 */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text)
    : (text) => crypto.createHash('sha256').update(text).digest('hex');

interface Entry {
  digest: Buffer;
  client: AuthenticatedClient;
}

/**
 * API keys and named credentials, compiled once per load (globs to matchers, limits to buckets'
 * parameters): finding the presented key is one SHA-256, one Map lookup by that digest and one
 * constant-time comparison, however many credentials there are.
 */
export class CredentialSet {
  private readonly byDigest = new Map<string, Entry>();
  // Compared against when nothing matched, so a miss does the same work as a hit.
  private readonly decoy = Buffer.alloc(32);

  constructor(specs: readonly CredentialSpec[]) {
    const matchers = new Map<string, (topic: string) => boolean>();
    for (const spec of specs) {
      const digest = Buffer.from(spec.sha256, 'hex');
      const globs = spec.topics?.join('\n');
      let mayWrite: ((topic: string) => boolean) | undefined;
      if (globs !== undefined) {
        mayWrite = matchers.get(globs);
        if (!mayWrite) matchers.set(globs, (mayWrite = picomatch(spec.topics!, TOPIC_GLOB_OPTIONS)));
      }
      const rps = spec.rateLimitRps;
      const client: AuthenticatedClient = spec.name
        ? { id: spec.name, described: `credential "${spec.name}"`, metricLabel: spec.name, mayWrite }
        : { id: `key:${spec.sha256.slice(0, 12)}`, described: 'this API key', mayWrite };
      if (rps !== undefined) client.rateLimit = { perSecond: rps, burst: Math.max(1, Math.ceil(rps)) };
      this.byDigest.set(spec.sha256, { digest, client });
    }
  }

  get size(): number {
    return this.byDigest.size;
  }

  /** The client whose key this is, or undefined. */
  find(presented: string): AuthenticatedClient | undefined {
    const hex = sha256Hex(presented);
    const entry = this.byDigest.get(hex);
    const equal = crypto.timingSafeEqual(Buffer.from(hex, 'hex'), entry?.digest ?? this.decoy);
    return equal && entry ? entry.client : undefined;
  }
}
