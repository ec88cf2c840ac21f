/** The records of the idempotency topic, as its values say them. */
export type LedgerRecord =
  | { t: 'claim'; id: string; fp: string }
  | { t: 'result'; id: string; status: number; body: unknown }
  | { t: 'release'; id: string };

export interface LedgerEntry {
  fingerprint: string;
  /** The claim that decides: the first one in the log while no other held. */
  owner: string;
  /** Log time of that claim (ms). */
  claimedAt: number;
  result?: { status: number; body: unknown };
}

/** Parses a record's value; undefined for anything this version does not know. */
export function parseLedgerRecord(value: Buffer | null): LedgerRecord | undefined {
  if (!value) return undefined;
  try {
    const record = JSON.parse(value.toString()) as Partial<Record<string, unknown>>;
    if (typeof record.id !== 'string') return undefined;
    if (record.t === 'claim' && typeof record.fp === 'string') return record as LedgerRecord;
    if (record.t === 'result' && typeof record.status === 'number') return record as LedgerRecord;
    if (record.t === 'release') return record as LedgerRecord;
  } catch {
    // Not ours, or from a future version: ignored like an unknown type.
  }
  return undefined;
}

/**
 * One partition of the idempotency topic, replayed: which claim owns each key and what it
 * answered. Every replica applies the same records in the same order (a partition is a total
 * order) and decides only from what the records hold, log times included, never from its own
 * clock: so every replica reaches the same owner for a key, without talking to the others.
 *
 * - A claim owns the key when no other claim holds it: none yet, or the last owner released it,
 *   or its claim is older than `claimLifetimeMs` without a result, or its result is older than
 *   `ttlMs`. Otherwise the claim lost, and changes nothing.
 * - A result or a release counts only from the owner.
 *
 * Memory is bounded by `maxKeys` (oldest first) and keys are dropped once they hold no more; both
 * by the partition's own record times, so that the replicas still agree.
 */
export class IdempotencyLedger {
  // Insertion order is claim order, which is nearly expiry order.
  private readonly entries = new Map<string, LedgerEntry>();
  private readonly watchers = new Map<string, Array<() => void>>();

  constructor(
    private readonly ttlMs: number,
    private readonly claimLifetimeMs: number,
    private readonly maxKeys: number,
    /** Hears each claim that took over an expired claim. */
    private readonly onExpiredClaim: (claim: string) => void = () => undefined,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  apply(key: string, record: LedgerRecord, at: number): void {
    const entry = this.entries.get(key);
    if (record.t === 'claim') {
      if (!entry || !this.holds(entry, at)) {
        if (entry && !entry.result) this.onExpiredClaim(record.id);
        this.entries.delete(key);
        this.entries.set(key, { fingerprint: record.fp, owner: record.id, claimedAt: at });
        this.evict(at);
      }
    } else if (entry?.owner === record.id && !entry.result) {
      if (record.t === 'result') entry.result = { status: record.status, body: record.body };
      else this.entries.delete(key);
    }
    this.notify(key);
  }

  /** The entry as the log left it, whether or not it still holds. */
  entry(key: string): LedgerEntry | undefined {
    return this.entries.get(key);
  }

  /** The entry when it still holds at `now` (this replica's clock): the fast path, before any claim. */
  holding(key: string, now: number): LedgerEntry | undefined {
    const entry = this.entries.get(key);
    return entry && this.holds(entry, now) ? entry : undefined;
  }

  /** Resolves at the next record for `key`, or after `timeoutMs`. */
  changed(key: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const list = this.watchers.get(key) ?? [];
      this.watchers.set(key, list);
      const timer = setTimeout(() => {
        const at = list.indexOf(wake);
        if (at >= 0) list.splice(at, 1);
        if (list.length === 0 && this.watchers.get(key) === list) this.watchers.delete(key);
        resolve();
      }, timeoutMs);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      list.push(wake);
    });
  }

  private holds(entry: LedgerEntry, at: number): boolean {
    return at < entry.claimedAt + (entry.result ? this.ttlMs : this.claimLifetimeMs);
  }

  private notify(key: string): void {
    const list = this.watchers.get(key);
    if (!list) return;
    this.watchers.delete(key);
    for (const wake of list) wake();
  }

  private evict(at: number): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.maxKeys && this.holds(entry, at)) break;
      this.entries.delete(key);
    }
  }
}
