import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postJson } from '../support/http';
import { TestKafka, testBrokers } from '../support/kafka-admin';
import { readAll } from '../support/kcat';
import { sample } from '../../scripts/shared/metrics';
import { startIngress, stopAll, waitFor, type AppProcess } from '../support/processes';

const CHECKOUT = 'k-checkout-0123456789abcdef';
const AUDITOR = 'k-auditor-0123456789abcdef';
const ADMIN = 'k-admin-0123456789abcdef';
const PLAIN = 'k-plain-0123456789abcdef';
const sha256 = (key: string) => createHash('sha256').update(key).digest('hex');

const send = (ingress: AppProcess, key: string, topic: string, batch: boolean, header = 'x-api-key') => {
  const headers: Record<string, string> =
    header === 'x-api-key' ? { 'x-api-key': key } : { authorization: `Bearer ${key}` };
  return batch
    ? postJson(`${ingress.url}/produce/batch`, { topic, messages: [{ payload: 1 }, { payload: 2 }] }, { headers })
    : postJson(`${ingress.url}/produce`, { topic, payload: 1 }, { headers });
};

describe('named credentials with topic scopes', () => {
  const brokers = testBrokers();
  const kafka = new TestKafka(brokers);
  afterAll(stopAll);

  describe('a matrix of credentials, topics, single and batch', () => {
    let ingress: AppProcess;
    let orders: string;
    let audit: string;
    let other: string;

    beforeAll(async () => {
      [orders, audit, other] = await Promise.all([
        kafka.createTopic('orders', 1),
        kafka.createTopic('audit', 1),
        kafka.createTopic('other', 1),
      ]);
      const file = join(mkdtempSync(join(tmpdir(), 'credentials-')), 'credentials.yaml');
      writeFileSync(
        file,
        [
          'credentials:',
          '  - name: checkout',
          `    key: "${CHECKOUT}"`,
          '    topics: ["orders-*"]',
          '  - name: auditor',
          `    sha256: "${sha256(AUDITOR)}"`,
          `    topics: ["${audit}"]`,
          '  - name: admin',
          `    key: "${ADMIN}"`,
        ].join('\n'),
      );
      ingress = await startIngress({
        KAFKA_BROKERS: brokers,
        INGRESS_CREDENTIALS_FILE: file,
        INGRESS_API_KEYS: PLAIN,
        // Every topic but "other" is allowed at all; scopes narrow it further per credential.
        INGRESS_ALLOWED_TOPICS: 'orders-*,audit-*',
        INGRESS_ACCESS_LOG: 'true',
        LOG_LEVEL: 'log',
        LOG_FORMAT: 'json',
      });
    });

    it('answers exactly 200, 401 or 403 per credential and topic, and forbidden topics receive nothing', async () => {
      const keys = { checkout: CHECKOUT, auditor: AUDITOR, admin: ADMIN, plain: PLAIN, wrong: `${CHECKOUT}x` };
      const expected: Record<keyof typeof keys, [number, number, number]> = {
        // orders, audit, other
        checkout: [200, 403, 403],
        auditor: [403, 200, 403],
        admin: [200, 200, 403],
        plain: [200, 200, 403],
        wrong: [401, 401, 401],
      };
      const written = new Map<string, number>([
        [orders, 0],
        [audit, 0],
        [other, 0],
      ]);
      const seen: string[] = [];
      for (const [name, key] of Object.entries(keys) as Array<[keyof typeof keys, string]>)
        for (const [i, topic] of [orders, audit, other].entries())
          for (const batch of [false, true]) {
            const response = await send(ingress, key, topic, batch, batch ? 'bearer' : 'x-api-key');
            seen.push(`${name} ${i} ${batch} ${response.status}`);
            if (response.status === 200) written.set(topic, written.get(topic)! + (batch ? 2 : 1));
            if (response.status === 403) expect(response.body.code).toBe('TOPIC_NOT_ALLOWED');
            if (response.status === 401) expect(response.body.code).toBe('UNAUTHORIZED');
          }
      expect(seen).toEqual(
        Object.entries(expected).flatMap(([name, statuses]) =>
          statuses.flatMap((status, i) => [`${name} ${i} false ${status}`, `${name} ${i} true ${status}`]),
        ),
      );
      expect((await readAll(brokers, orders)).length).toBe(written.get(orders));
      expect((await readAll(brokers, audit)).length).toBe(written.get(audit));
      expect(await readAll(brokers, other)).toEqual([]);
    });

    it('names the credential in a 403, never its key', async () => {
      const response = await send(ingress, CHECKOUT, audit, false);
      expect(response.body.error).toBe(`The credential "checkout" may not write to topic "${audit}".`);
      expect(JSON.stringify(response.body)).not.toContain(CHECKOUT);
    });

    it('labels produced records with the credential name, and never unnamed keys', async () => {
      const metrics = await (await fetch(`${ingress.url}/metrics`)).text();
      expect(sample(metrics, 'kafka_gateway_produced_records_total', { topic: orders, client: 'checkout' })).toBe(3);
      const clients = metrics
        .split('\n')
        .filter((line) => line.startsWith('kafka_gateway_produced_records_total{'))
        .map((line) => /client="([^"]*)"/.exec(line)?.[1]);
      expect(new Set(clients)).toEqual(new Set(['checkout', 'auditor', 'admin', undefined]));
    });

    it('names the client on the access log line', async () => {
      await waitFor('an access log line naming checkout', async () =>
        ingress
          .output()
          .split('\n')
          .some((line) => line.includes('"client":"checkout"') && line.includes('request completed')),
      );
      expect(ingress.output()).not.toContain(CHECKOUT);
      expect(ingress.output()).not.toContain(AUDITOR);
    });

    it('scopes Idempotency-Key per client', async () => {
      const body = { topic: orders, payload: 'idem' };
      const as = (key: string) =>
        postJson(`${ingress.url}/produce`, body, { headers: { 'x-api-key': key, 'idempotency-key': 'same' } });
      const first = await as(CHECKOUT);
      const again = await as(CHECKOUT);
      const other = await as(ADMIN);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(other.headers.get('idempotent-replayed')).toBeNull();
      expect(other.body.offset).not.toBe(first.body.offset);
    });
  });

  it("applies a credential's own rate limit", async () => {
    const topic = await kafka.createTopic('limited', 1);
    const file = join(mkdtempSync(join(tmpdir(), 'credentials-')), 'credentials.json');
    writeFileSync(
      file,
      JSON.stringify({
        credentials: [
          { name: 'slow', key: CHECKOUT, rateLimitRps: 1 },
          { name: 'fast', key: ADMIN },
        ],
      }),
    );
    const ingress = await startIngress({ KAFKA_BROKERS: brokers, INGRESS_CREDENTIALS_FILE: file });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await send(ingress, CHECKOUT, topic, false)).status);
    expect(statuses).toEqual([200, 429, 429]);
    for (let i = 0; i < 3; i++) expect((await send(ingress, ADMIN, topic, false)).status).toBe(200);
  });

  it('applies a changed file within 5 s, through a Kubernetes-style symlink swap, and keeps the last good set on an invalid edit', async () => {
    const topic = await kafka.createTopic('reload', 1);
    // As a Secret volume: credentials.yaml -> ..data/credentials.yaml, ..data -> ..v1; an update swaps ..data.
    const dir = mkdtempSync(join(tmpdir(), 'secret-'));
    let version = 0;
    const publish = (text: string) => {
      const target = `..v${++version}`;
      mkdirSync(join(dir, target));
      writeFileSync(join(dir, target, 'credentials.yaml'), text);
      symlinkSync(target, join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    };
    const yaml = (name: string, key: string) => `credentials:\n  - name: ${name}\n    key: "${key}"\n`;
    publish(yaml('first', CHECKOUT));
    symlinkSync('..data/credentials.yaml', join(dir, 'credentials.yaml'));
    const ingress = await startIngress({
      KAFKA_BROKERS: brokers,
      INGRESS_CREDENTIALS_FILE: join(dir, 'credentials.yaml'),
      LOG_LEVEL: 'log',
    });
    expect((await send(ingress, CHECKOUT, topic, false)).status).toBe(200);

    publish(yaml('second', ADMIN));
    await waitFor(
      'the new key to be accepted',
      async () => (await send(ingress, ADMIN, topic, false)).status === 200,
      5_000,
    );
    expect((await send(ingress, CHECKOUT, topic, false)).status).toBe(401);

    publish(`${yaml('third', AUDITOR)}    colour: blue\n`);
    await waitFor(
      'the invalid edit to be logged',
      async () => /unknown field \\?"colour\\?"/.test(ingress.output()),
      5_000,
    );
    expect(ingress.output()).toMatch(/Credentials not reloaded, keeping the 1 in force: INGRESS_CREDENTIALS_FILE: /);
    expect((await send(ingress, ADMIN, topic, false)).status).toBe(200);
    expect((await send(ingress, AUDITOR, topic, false)).status).toBe(401);
  });

  it('refuses a bad credentials file at boot with one line', async () => {
    const { spawnApp } = await import('../support/processes');
    const file = join(mkdtempSync(join(tmpdir(), 'credentials-')), 'credentials.yaml');
    writeFileSync(file, `credentials:\n  - name: a\n    key: "${CHECKOUT}"\n    topics: ["orders.["]\n`);
    const app = spawnApp('ingress', [], { INGRESS_CREDENTIALS_FILE: file });
    expect(await app.exited).toBe(1);
    expect(app.output().trim()).toMatch(
      /^ingress: invalid configuration: INGRESS_CREDENTIALS_FILE: credentials\[0\] \("a"\)\.topics\[0\] is not a topic name or glob[^\n]*$/,
    );
  });
});
