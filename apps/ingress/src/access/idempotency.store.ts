export type Begin =
  { state: 'new' } | { state: 'in-progress' } | { state: 'reused' } | { state: 'done'; status: number; body: unknown };

interface Entry {
  fingerprint: string;
  expiresAt: number;
  result?: { status: number; body: unknown };
}

/**
 * Remembers, per Idempotency-Key, what the first request with it answered, for a while and up
 * to a number of keys (the oldest go first). In memory, per instance: a repeat that reaches
 * another instance is written again.
 */
export class IdempotencyStore {
  // A Map iterates in insertion order, which here is also expiry order.
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxKeys: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  begin(key: string, fingerprint: string): Begin {
    this.evictExpired();
    const entry = this.entries.get(key);
    if (entry) {
      if (entry.fingerprint !== fingerprint) return { state: 'reused' };
      return entry.result ? { state: 'done', ...entry.result } : { state: 'in-progress' };
    }
    this.entries.set(key, { fingerprint, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
    return { state: 'new' };
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
