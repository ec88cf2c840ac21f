import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAll } from '../support/kcat';
import { TestKafka, testBrokers } from '../support/kafka-admin';
import { getJson, postJson } from '../support/http';
import { startIngress, stopAll, type AppProcess } from '../support/processes';

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';

describe('access control and limits', () => {
  const brokers = testBrokers();
  const kafka = new TestKafka(brokers);
  afterAll(stopAll);

  describe('API keys and the topic allow-list', () => {
    let ingress: AppProcess;
    let allowed: string;

    beforeAll(async () => {
      allowed = await kafka.createTopic('orders', 2);
      const keysFile = join(mkdtempSync(join(tmpdir(), 'keys-')), 'keys.txt');
      writeFileSync(keysFile, `# one key per line\n${KEY_B}\n`);
      ingress = await startIngress({
        KAFKA_BROKERS: brokers,
        INGRESS_API_KEYS: KEY_A,
        INGRESS_API_KEYS_FILE: keysFile,
        INGRESS_ALLOWED_TOPICS: 'orders-*',
      });
    });

    it('answers 401 without a key, or with a wrong one, and writes nothing', async () => {
      const none = await postJson(`${ingress.url}/produce`, { topic: allowed, payload: 1 });
      expect(none.status).toBe(401);
      expect(none.body).toEqual({
        success: false,
        error: expect.stringContaining('API key is required'),
        code: 'UNAUTHORIZED',
      });
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const wrong = await postJson(
        `${ingress.url}/produce`,
        { topic: allowed, payload: 1 },
        { headers: { authorization: `Bearer ${KEY_A}x` } },
      );
      expect(wrong.status).toBe(401);
      expect(wrong.body.code).toBe('UNAUTHORIZED');
      expect(await kafka.recordCount(allowed)).toBe(0);
    });

    it('accepts a key as Bearer token or X-API-Key, from the variable or the file', async () => {
      expect(
        (
          await postJson(
            `${ingress.url}/produce`,
            { topic: allowed, payload: 1 },
            { headers: { authorization: `Bearer ${KEY_A}` } },
          )
        ).status,
      ).toBe(200);
      expect(
        (await postJson(`${ingress.url}/produce`, { topic: allowed, payload: 2 }, { headers: { 'x-api-key': KEY_B } }))
          .status,
      ).toBe(200);
    });

    it('refuses the key before reading a body, so unauthenticated clients cannot make it parse anything', async () => {
      const response = await postJson(`${ingress.url}/produce`, '{not json', { raw: true });
      expect(response.status).toBe(401);
    });

    it('keeps health, metrics and docs open', async () => {
      expect((await getJson(`${ingress.url}/health/live`)).status).toBe(200);
      expect((await fetch(`${ingress.url}/metrics`)).status).toBe(200);
      expect((await fetch(`${ingress.url}/openapi.json`)).status).toBe(200);
    });

    it('answers 403 TOPIC_NOT_ALLOWED for topics outside the allow-list', async () => {
      const other = await kafka.createTopic('payments', 1);
      const response = await postJson(
        `${ingress.url}/produce`,
        { topic: other, payload: 1 },
        { headers: { 'x-api-key': KEY_A } },
      );
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ code: 'TOPIC_NOT_ALLOWED' });
      expect(await kafka.recordCount(other)).toBe(0);
    });

    it('can protect metrics too', async () => {
      const closed = await startIngress({
        KAFKA_BROKERS: brokers,
        INGRESS_API_KEYS: KEY_A,
        INGRESS_PUBLIC_METRICS: 'false',
      });
      expect((await fetch(`${closed.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${closed.url}/metrics`, { headers: { authorization: `Bearer ${KEY_A}` } })).status).toBe(
        200,
      );
      expect((await fetch(`${closed.url}/health`)).status).not.toBe(401);
    });
  });

  it('rate-limits each API key with a token bucket, answering 429 with Retry-After', async () => {
    const topic = await kafka.createTopic('limited', 1);
    const ingress = await startIngress({
      KAFKA_BROKERS: brokers,
      INGRESS_API_KEYS: `${KEY_A},${KEY_B}`,
      INGRESS_RATE_LIMIT_RPS: '1',
      INGRESS_RATE_LIMIT_BURST: '3',
    });
    const send = (key: string) =>
      postJson(`${ingress.url}/produce`, { topic, payload: 1 }, { headers: { 'x-api-key': key } });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await send(KEY_A)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await send(KEY_A);
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another key has its own bucket; health is never limited.
    expect((await send(KEY_B)).status).toBe(200);
    expect((await getJson(`${ingress.url}/health/live`)).status).toBe(200);
    expect(await kafka.recordCount(topic)).toBe(4);
  });

  it('answers a repeated Idempotency-Key with the first result and writes once', async () => {
    const topic = await kafka.createTopic('idempotent', 3);
    const ingress = await startIngress({ KAFKA_BROKERS: brokers });
    const body = { topic, key: 'k', payload: { order: 7 } };
    const first = await postJson(`${ingress.url}/produce`, body, { headers: { 'idempotency-key': 'order-7' } });
    const again = await postJson(`${ingress.url}/produce`, body, { headers: { 'idempotency-key': 'order-7' } });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const reused = await postJson(
      `${ingress.url}/produce`,
      { ...body, payload: { order: 8 } },
      { headers: { 'idempotency-key': 'order-7' } },
    );
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');

    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () =>
        postJson(`${ingress.url}/produce`, { ...body, payload: 'c' }, { headers: { 'idempotency-key': 'burst' } }),
      ),
    );
    for (const r of concurrent) expect([200, 409]).toContain(r.status);
    expect(concurrent.filter((r) => r.status === 409).every((r) => r.body.code === 'IDEMPOTENCY_KEY_IN_USE')).toBe(
      true,
    );

    const batch = { topic, messages: [{ payload: 1 }, { payload: 2 }] };
    const b1 = await postJson(`${ingress.url}/produce/batch`, batch, { headers: { 'idempotency-key': 'batch-1' } });
    const b2 = await postJson(`${ingress.url}/produce/batch`, batch, { headers: { 'idempotency-key': 'batch-1' } });
    expect(b2.body).toEqual(b1.body);

    const records = await readAll(brokers, topic);
    expect(records.filter((r) => r.value === '{"order":7}')).toHaveLength(1);
    expect(records.filter((r) => r.value === '"c"')).toHaveLength(1);
    expect(records).toHaveLength(4);
  });

  it('sends security headers, no x-powered-by, and CORS only when configured', async () => {
    const closed = await startIngress({ KAFKA_BROKERS: brokers });
    const plain = await fetch(`${closed.url}/health/live`, { headers: { origin: 'https://app.example.com' } });
    expect(plain.headers.get('x-powered-by')).toBeNull();
    expect(plain.headers.get('x-content-type-options')).toBe('nosniff');
    expect(plain.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    const open = await startIngress({ KAFKA_BROKERS: brokers, INGRESS_CORS_ORIGINS: 'https://app.example.com' });
    const allowed = await fetch(`${open.url}/health/live`, { headers: { origin: 'https://app.example.com' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const other = await fetch(`${open.url}/health/live`, { headers: { origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses bad access settings at boot with one line', async () => {
    const { spawnApp } = await import('../support/processes');
    const app = spawnApp('ingress', [], { INGRESS_API_KEYS: 'short' });
    expect(await app.exited).toBe(1);
    expect(app.output().trim()).toMatch(
      /^ingress: invalid configuration: INGRESS_API_KEYS must be a comma-separated list of API keys/,
    );
  });
});
