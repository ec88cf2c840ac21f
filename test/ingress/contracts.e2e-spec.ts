import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { REPO } from '../setup/test-kafka';
import { postJson } from '../support/http';
import { TestKafka, testBrokers } from '../support/kafka-admin';
import { readAt } from '../support/kcat';
import { startIngress, stopAll, waitFor, type AppProcess } from '../support/processes';
import { decodeWithConfluent, REGISTRY_START_TIMEOUT_MS, TestSchemaRegistry } from '../support/schema-registry';

const run = promisify(execFile);

/** The README section's ```bash blocks, each as its commands with the answer documented under each. */
function readmeBlocks(): { command: string; status: number; codes: string[] }[][] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = /### Payload contracts\n([\s\S]*?)\n### /.exec(readme)?.[1] ?? '';
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map(([, block]) => {
    const examples: { command: string; status: number; codes: string[] }[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('curl ')) examples.push({ command: line, status: 200, codes: [] });
      else if (line.startsWith('# ') && examples.length > 0) {
        const last = examples[examples.length - 1];
        const status = /^# (\d{3}) /.exec(line)?.[1];
        if (status) last.status = Number(status);
        last.codes.push(...[...line.matchAll(/"code":"([A-Z_]+)"/g)].map((m) => m[1]));
      }
    }
    return examples;
  });
}

async function curl(command: string, host: string, registryHost: string): Promise<{ status: number; body: string }> {
  const line = command.replaceAll('localhost:6969', host).replaceAll('localhost:8081', registryHost);
  const { stdout } = await run('bash', ['-c', `${line} -w '\\n%{http_code}'`], { timeout: 30_000 });
  const lines = stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  return { status, body: lines.join('\n') };
}

const ORDER_2020 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    id: { type: 'string', minLength: 1 },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } },
        required: ['sku', 'qty'],
      },
    },
  },
  required: ['id', 'items'],
};
const EVENT_07 = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { at: { type: 'string', format: 'date-time' } },
  required: ['at'],
};
const PAYMENT_JSON = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { amount: { type: 'number', minimum: 0 }, currency: { type: 'string', enum: ['EUR', 'USD'] } },
  required: ['amount', 'currency'],
  additionalProperties: false,
};
const USER_AVRO = {
  type: 'record',
  name: 'User',
  namespace: 'gateway.tests',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'age', type: 'int' },
    { name: 'email', type: ['null', 'string'], default: null },
  ],
};

describe('payload contracts, from files and from a real Schema Registry', () => {
  const brokers = testBrokers();
  const kafka = new TestKafka(brokers);
  const schemasDir = mkdtempSync(join(tmpdir(), 'gateway-schemas-'));
  let registry: TestSchemaRegistry;
  let ingress: AppProcess;
  const topics = { orders: '', events: '', payments: '', users: '', plain: '', unseen: '' };
  const ids = { payments: 0, users: 0 };

  beforeAll(async () => {
    registry = await TestSchemaRegistry.start();
    for (const name of Object.keys(topics) as (keyof typeof topics)[]) topics[name] = await kafka.createTopic(name, 1);
    writeFileSync(join(schemasDir, `${topics.orders}.json`), JSON.stringify(ORDER_2020));
    writeFileSync(join(schemasDir, `${topics.events}.json`), JSON.stringify(EVENT_07));
    ids.payments = await registry.register(`${topics.payments}-value`, PAYMENT_JSON, 'JSON');
    ids.users = await registry.register(`${topics.users}-value`, USER_AVRO, 'AVRO');
    await registry.register(`${topics.unseen}-value`, USER_AVRO, 'AVRO');
    ingress = await startIngress({
      KAFKA_BROKERS: brokers,
      INGRESS_SCHEMAS_DIR: schemasDir,
      SCHEMA_REGISTRY_URL: registry.url,
    });
  }, REGISTRY_START_TIMEOUT_MS);

  afterAll(async () => {
    await stopAll();
    await registry?.stop();
    rmSync(schemasDir, { recursive: true, force: true });
  });

  const produce = (topic: string, payload: unknown) => postJson(`${ingress.url}/produce`, { topic, payload });
  const good = { id: 'o-1', items: [{ sku: 'a', qty: 1 }] };

  describe('from INGRESS_SCHEMAS_DIR', () => {
    it('writes a conforming payload as its JSON text and refuses one that does not, listing every violation', async () => {
      const ok = await produce(topics.orders, good);
      expect(ok.status).toBe(200);
      expect(ok.body.schemaId).toBeUndefined();
      expect(await readAt(brokers, topics.orders, 0, ok.body.offset)).toMatchObject({ value: JSON.stringify(good) });

      const bad = await produce(topics.orders, { items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 1 }, { qty: 0 }] });
      expect(bad.status).toBe(422);
      expect(bad.body).toMatchObject({ success: false, code: 'SCHEMA_VALIDATION_FAILED' });
      expect(bad.body.details).toEqual(
        expect.arrayContaining([
          { field: 'payload.id', message: 'payload.id is required' },
          { field: 'payload.items[2].sku', message: 'payload.items[2].sku is required' },
          { field: 'payload.items[2].qty', message: 'payload.items[2].qty must be >= 1' },
        ]),
      );
      expect(bad.body.details).toHaveLength(3);
    });

    it('checks draft-07 files with formats', async () => {
      expect((await produce(topics.events, { at: '2026-12-07T10:00:00Z' })).status).toBe(200);
      const bad = await produce(topics.events, { at: 'yesterday' });
      expect(bad.status).toBe(422);
      expect(bad.body.details).toEqual([{ field: 'payload.at', message: 'payload.at must match format "date-time"' }]);
    });

    it('answers a mixed batch with 207, writing the conforming messages only', async () => {
      const response = await postJson(`${ingress.url}/produce/batch`, {
        topic: topics.orders,
        messages: [
          { payload: { ...good, id: 'b-1' } },
          { payload: { id: 'b-2' } },
          { payload: { ...good, id: 'b-3' } },
        ],
      });
      expect(response.status).toBe(207);
      const [first, second, third] = response.body.results;
      expect(first).toMatchObject({ success: true, partition: 0 });
      expect(second).toMatchObject({
        success: false,
        code: 'SCHEMA_VALIDATION_FAILED',
        details: [{ field: 'payload.items', message: 'payload.items is required' }],
      });
      expect(third).toMatchObject({ success: true });
      expect(third.offset).toBe(first.offset + 1);
      expect(await readAt(brokers, topics.orders, 0, third.offset)).toMatchObject({
        value: JSON.stringify({ ...good, id: 'b-3' }),
      });
    });

    it('follows an edited file within 5 s, and keeps the last good schema when the file breaks', async () => {
      const file = join(schemasDir, `${topics.orders}.json`);
      writeFileSync(file, JSON.stringify({ ...ORDER_2020, required: ['id', 'items', 'customer'] }));
      const edited = Date.now();
      await waitFor(
        'the edited schema to be in force',
        async () => (await produce(topics.orders, good)).status === 422,
        10_000,
      );
      expect(Date.now() - edited).toBeLessThan(5_000 + 1_000);

      writeFileSync(file, '{"type": "object", "required": [');
      await waitFor(
        'the broken file to be reported',
        () => Promise.resolve(/is not a usable JSON Schema/.test(ingress.output())),
        10_000,
      );
      expect(ingress.output()).toMatch(/the last good version stays in force/);
      const stillChecked = await produce(topics.orders, good);
      expect(stillChecked.status).toBe(422);
      expect(stillChecked.body.details).toEqual([
        { field: 'payload.customer', message: 'payload.customer is required' },
      ]);
      expect((await produce(topics.orders, { ...good, customer: 'c-1' })).status).toBe(200);
    });

    it('writes any payload to a topic without a contract, as before', async () => {
      const response = await produce(topics.plain, ['anything', 1]);
      expect(response.status).toBe(200);
      expect(response.body.schemaId).toBeUndefined();
    });
  });

  describe('the README examples', () => {
    const blocks = readmeBlocks();
    const readmeDir = mkdtempSync(join(tmpdir(), 'gateway-readme-'));
    afterAll(() => rmSync(readmeDir, { recursive: true, force: true }));

    beforeAll(async () => {
      // What npm start sets up: the demo topic with 6 partitions.
      const admin = new Kafka({
        clientId: 'contracts-readme',
        brokers: brokers.split(','),
        logLevel: logLevel.NOTHING,
      }).admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'demo', numPartitions: 6 }], waitForLeaders: true });
      await admin.disconnect();
    });

    const answersAsDocumented = async (examples: ReturnType<typeof readmeBlocks>[number], app: AppProcess) => {
      expect(examples.length).toBeGreaterThanOrEqual(2);
      for (const example of examples) {
        const { status, body } = await curl(example.command, `127.0.0.1:${app.port}`, '');
        expect({ command: example.command, status }).toEqual({ command: example.command, status: example.status });
        for (const code of example.codes) expect(body).toContain(`"code":"${code}"`);
      }
    };

    it('run as written in file mode', async () => {
      expect(blocks).toHaveLength(4);
      const script = readFileSync(join(REPO, 'README.md'), 'utf8');
      const heredoc = /```bash\n# npm start, with a contract for the demo topic\n([\s\S]*?)\nINGRESS_SCHEMAS_DIR=/.exec(
        script,
      )?.[1];
      expect(heredoc).toBeDefined();
      await run('bash', ['-c', heredoc!], { cwd: readmeDir });
      const app = await startIngress({ KAFKA_BROKERS: brokers, INGRESS_SCHEMAS_DIR: join(readmeDir, 'schemas') });
      await answersAsDocumented(blocks[1], app);
      await app.stop();
    });

    it('run as written against the registry', async () => {
      const registryHost = new URL(registry.url).host;
      const [register] = blocks[2];
      const registered = await curl(register.command, '', registryHost);
      expect(registered.status).toBe(200);
      expect(JSON.parse(registered.body)).toEqual({ id: expect.any(Number) });
      const app = await startIngress({ KAFKA_BROKERS: brokers, SCHEMA_REGISTRY_URL: registry.url });
      await answersAsDocumented(blocks[3], app);
      await app.stop();
    });
  });

  describe('from SCHEMA_REGISTRY_URL', () => {
    it('writes JSON Schema records in the wire format that Confluent deserializers read, with schemaId', async () => {
      const payloads = [
        { amount: 12.5, currency: 'EUR' },
        { amount: 0, currency: 'USD' },
      ];
      for (const payload of payloads) {
        const response = await produce(topics.payments, payload);
        expect(response.status).toBe(200);
        expect(response.body.schemaId).toBe(ids.payments);
      }
      const bad = await produce(topics.payments, { amount: -1, currency: 'GBP', note: 'x' });
      expect(bad.status).toBe(422);
      expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual([
        'payload.amount',
        'payload.currency',
        'payload.note',
      ]);
      const read = await decodeWithConfluent(brokers, registry.url, topics.payments, 'json', 2);
      expect(read.map((r) => r.value)).toEqual(payloads);
    });

    it('writes Avro records that Confluent deserializers read, and answers a mixed batch with 207', async () => {
      const response = await postJson(`${ingress.url}/produce/batch`, {
        topic: topics.users,
        messages: [
          { payload: { name: 'Ada', age: 36, email: 'ada@example.com' } },
          { payload: { name: 'Bob', age: 'old' } },
          { payload: { name: 'Cy', age: 7, email: null } },
        ],
      });
      expect(response.status).toBe(207);
      expect(response.body.results[0]).toMatchObject({ success: true, schemaId: ids.users });
      expect(response.body.results[1]).toMatchObject({
        success: false,
        code: 'SCHEMA_VALIDATION_FAILED',
        details: [{ field: 'payload.age', message: 'payload.age must be an integer (Avro int)' }],
      });
      const read = await decodeWithConfluent(brokers, registry.url, topics.users, 'avro', 2);
      expect(read.map((r) => r.value)).toEqual([
        { name: 'Ada', age: 36, email: 'ada@example.com' },
        { name: 'Cy', age: 7, email: null },
      ]);
    });

    it('keeps validating against the cached contract while the registry is down; a topic never fetched gets 503', async () => {
      await registry.stop();
      const ok = await produce(topics.users, { name: 'Dee', age: 50, email: null });
      expect(ok.status).toBe(200);
      expect(ok.body.schemaId).toBe(ids.users);
      expect((await produce(topics.users, { name: 'Eve' })).status).toBe(422);

      const unseen = await produce(topics.unseen, { name: 'Fay', age: 1, email: null });
      expect(unseen.status).toBe(503);
      expect(unseen.body).toMatchObject({ success: false, code: 'SCHEMA_REGISTRY_UNAVAILABLE' });
      expect(unseen.headers.get('retry-after')).toBe('5');
      // A file contract does not need the registry.
      expect((await produce(topics.events, { at: '2026-12-07T10:00:00Z' })).status).toBe(200);
    });
  });
});
