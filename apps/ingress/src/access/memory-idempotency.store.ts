import type { Begin, IdempotencyStore } from './idempotency.store';
import type { IdempotencyMetrics } from './idempotency-metrics';

interface Entry {
  fingerprint: string;
  expiresAt: number;
  result?: { status: number; body: unknown };
}

/**
 * Remembers, per Idempotency-Key, what the first request with it answered, for a while and up
 * to a number of keys (the oldest go first). In memory, per instance (INGRESS_IDEMPOTENCY_STORE=memory):
 * a repeat that reaches another instance is written again.
 */
export class MemoryIdempotencyStore implements IdempotencyStore<string> {
  // A Map iterates in insertion order, which here is also expiry order.
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxKeys: number,
    private readonly now: () => number = Date.now,
    private readonly metrics?: IdempotencyMetrics,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  begin(scope: string, requestKey: string, fingerprint: string): Begin<string> {
    this.evictExpired();
    const key = `${scope}\u0000${requestKey}`;
    const entry = this.entries.get(key);
    if (entry) {
      if (entry.fingerprint !== fingerprint) return { state: 'reused' };
      if (!entry.result) return { state: 'in-progress' };
      this.metrics?.replays.inc();
      return { state: 'done', ...entry.result };
    }
    this.entries.set(key, { fingerprint, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
    return { state: 'new', claim: key };
  }

  complete(key: string, status: number, body: unknown): void {
    const entry = this.entries.get(key);
    if (entry) entry.result = { status, body };
  }

  /** The request failed: forget the key so that a retry is processed. */
  abandon(key: string): void {
    const entry = this.entries.get(key);
    if (entry && !entry.result) this.entries.delete(key);
  }

  private evictExpired(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) break;
      this.entries.delete(key);
    }
  }
}
