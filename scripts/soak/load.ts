// Load generation: a fixed request rate shared by CONNECTIONS workers (a worker that falls behind
// does not build a backlog that bursts later), and a batch every BATCH_EVERY_MS. Keys: none, a pool
// of 500, unique; one request in 20 with an Idempotency-Key, one in 100 a replay of one.
import { performance } from 'node:perf_hooks';
import { sleep } from '../bench/lib';
import { BATCH_EVERY_MS, BATCH_SIZE, CONNECTIONS, RATE, TOPIC } from './settings';

export interface LoadTotals {
  requests: number;
  ok: number;
  replayed: number;
  records: number;
  byStatus: Record<number, number>;
  errors: number;
  batches: number;
  batchesOk: number;
}

/** What the load saw between two samples. */
export interface LoadWindow {
  requests: number;
  ok: number;
  failed: number;
  records: number;
  latencies: number[];
}

const newWindow = (): LoadWindow => ({ requests: 0, ok: 0, failed: 0, records: 0, latencies: [] });

function keyFor(n: number): string | null {
  const r = n % 10;
  if (r < 4) return null;
  if (r < 9) return `k${(n * 7919) % 500}`;
  return `u${n}`;
}

export class Load {
  readonly totals: LoadTotals = {
    requests: 0,
    ok: 0,
    replayed: 0,
    records: 0,
    byStatus: {},
    errors: 0,
    batches: 0,
    batchesOk: 0,
  };
  private window = newWindow();
  private readonly intervalMs = 1000 / RATE;
  private nextSlot = performance.now();
  private stopped = false;
  private seq = 0;
  private lastIdempotent: { key: string; body: string } | undefined;
  private readonly filler = 'x'.repeat(
    1024 - JSON.stringify({ seq: 1000000, sentAt: new Date().toISOString(), data: '' }).length,
  );
  private readonly done: Promise<unknown>;

  constructor(private readonly baseUrl: string) {
    this.done = Promise.all([...Array.from({ length: CONNECTIONS }, () => this.worker()), this.batcher()]);
  }

  /** The window since the last call, and a new one from now. */
  takeWindow(): LoadWindow {
    const w = this.window;
    this.window = newWindow();
    return w;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  private async post(path: string, body: string, headers: Record<string, string> = {}): Promise<Response | undefined> {
    const started = performance.now();
    this.totals.requests++;
    this.window.requests++;
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(30_000),
      });
      await res.arrayBuffer();
      this.window.latencies.push(performance.now() - started);
      this.totals.byStatus[res.status] = (this.totals.byStatus[res.status] ?? 0) + 1;
      if (res.ok) {
        this.totals.ok++;
        this.window.ok++;
      } else {
        this.window.failed++;
      }
      return res;
    } catch {
      this.totals.errors++;
      this.window.failed++;
      return undefined;
    }
  }

  private payload(n: number) {
    return { seq: n, sentAt: new Date().toISOString(), data: this.filler };
  }

  private async one(): Promise<void> {
    const n = ++this.seq;
    if (n % 100 === 50 && this.lastIdempotent) {
      const { key, body } = this.lastIdempotent;
      const res = await this.post('/produce', body, { 'idempotency-key': key });
      if (res?.headers.get('idempotent-replayed') === 'true') this.totals.replayed++;
      return;
    }
    const body = JSON.stringify({ topic: TOPIC, key: keyFor(n), payload: this.payload(n) });
    const key = n % 20 === 0 ? `soak-${n}` : undefined;
    const res = await this.post('/produce', body, key ? { 'idempotency-key': key } : {});
    if (res?.ok) {
      this.totals.records++;
      this.window.records++;
      // Replays only of answered keys: a key still in flight is a 409 by design.
      if (key) this.lastIdempotent = { key, body };
    }
  }

  private async batch(): Promise<void> {
    const messages = Array.from({ length: BATCH_SIZE }, () => {
      const n = ++this.seq;
      return { key: keyFor(n), payload: this.payload(n) };
    });
    this.totals.batches++;
    const res = await this.post('/produce/batch', JSON.stringify({ topic: TOPIC, messages }));
    if (res?.status === 200) {
      this.totals.batchesOk++;
      this.totals.records += BATCH_SIZE;
      this.window.records += BATCH_SIZE;
    }
  }

  private async worker(): Promise<void> {
    while (!this.stopped) {
      const slot = Math.max(this.nextSlot, performance.now());
      this.nextSlot = slot + this.intervalMs;
      const wait = slot - performance.now();
      if (wait > 0) await sleep(wait);
      if (this.stopped) break;
      await this.one();
    }
  }

  private async batcher(): Promise<void> {
    let next = performance.now() + BATCH_EVERY_MS;
    while (!this.stopped) {
      await sleep(Math.min(200, Math.max(0, next - performance.now())));
      if (this.stopped || performance.now() < next) continue;
      next += BATCH_EVERY_MS;
      await this.batch();
    }
  }
}
