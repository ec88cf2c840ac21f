import { request as httpRequest } from 'node:http';
import { sample } from '../../scripts/shared/metrics';
import { TestKafka, testBrokers } from '../support/kafka-admin';
import { getJson, postJson, type JsonBody } from '../support/http';
import { spawnApp, startIngress, stopAll, waitFor, type AppProcess } from '../support/processes';

/** Sends raw bytes, optionally chunked, so tests control exactly what the server sees. */
function rawPost(
  url: string,
  path: string,
  headers: Record<string, string>,
  chunks: string[],
): Promise<{ status: number; body: JsonBody }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('error answers: JSON, a stable code, and nothing written', () => {
  const brokers = testBrokers();
  const kafka = new TestKafka(brokers);
  let ingress: AppProcess;
  let topic: string;

  beforeAll(async () => {
    ingress = await startIngress({
      KAFKA_BROKERS: brokers,
      INGRESS_MAX_BODY_BYTES: '65536',
      INGRESS_MAX_BATCH_MESSAGES: '5',
      INGRESS_MAX_JSON_DEPTH: '20',
    });
    topic = await kafka.createTopic('errors', 2);
  });
  afterAll(stopAll);
  afterEach(async () => expect(await kafka.recordCount(topic)).toBe(0));

  const errorBody = (code: string) => ({ success: false, error: expect.any(String), code });

  it('answers malformed JSON with 400 INVALID_JSON', async () => {
    const response = await postJson(`${ingress.url}/produce`, `{"topic": "${topic}", "payload": `, { raw: true });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(errorBody('INVALID_JSON'));
  });

  it('answers an empty body with 400 INVALID_JSON', async () => {
    const response = await postJson(`${ingress.url}/produce`, '', { raw: true });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(errorBody('INVALID_JSON'));
  });

  it('lists every failing field in details', async () => {
    const response = await postJson(`${ingress.url}/produce`, {
      topic: 'bad topic!',
      key: 7,
      headers: { ok: 'yes', 'bad\nname': 'x' },
      partition: -1,
      extra: true,
    });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(response.body.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'extra',
      'headers',
      'key',
      'partition',
      'payload',
      'topic',
    ]);
    expect(JSON.stringify(response.body)).not.toMatch(/at .*\.js|Error:/);
  });

  it('reports the path of a failing field inside a batch', async () => {
    const response = await postJson(`${ingress.url}/produce/batch`, {
      topic,
      messages: [{ payload: 1 }, { key: 'k' }, 'not an object'],
    });
    expect(response.status).toBe(400);
    const fields = response.body.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['messages[1].payload']));
    expect(fields.some((f: string) => f.startsWith('messages'))).toBe(true);
  });

  it('refuses a body that is not a JSON object', async () => {
    for (const body of ['[1,2]', '"text"', '42', 'null']) {
      const response = await postJson(`${ingress.url}/produce`, body, { raw: true });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
    }
  });

  it('refuses an empty batch and one over the configured size', async () => {
    const empty = await postJson(`${ingress.url}/produce/batch`, { topic, messages: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe('VALIDATION_FAILED');
    const tooMany = await postJson(`${ingress.url}/produce/batch`, {
      topic,
      messages: Array.from({ length: 6 }, (_, i) => ({ payload: i })),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.details).toEqual([{ field: 'messages', message: 'messages must contain at most 5 records' }]);
  });

  it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE, with or without Content-Length', async () => {
    const big = JSON.stringify({ topic, payload: 'x'.repeat(70_000) });
    const declared = await postJson(`${ingress.url}/produce`, big, { raw: true });
    expect(declared.status).toBe(413);
    expect(declared.body).toEqual(errorBody('PAYLOAD_TOO_LARGE'));
    const chunked = await rawPost(
      ingress.url,
      '/produce',
      { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      [big.slice(0, 30_000), big.slice(30_000)],
    );
    expect(chunked.status).toBe(413);
    expect(chunked.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers another content type with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']) {
      const response = await postJson(`${ingress.url}/produce`, JSON.stringify({ topic, payload: 1 }), {
        raw: true,
        headers: { 'content-type': type },
      });
      expect(response.status).toBe(415);
      expect(response.body).toEqual(errorBody('UNSUPPORTED_MEDIA_TYPE'));
    }
  });

  it('answers an unknown route with 404 NOT_FOUND', async () => {
    const response = await getJson(`${ingress.url}/nowhere`);
    expect(response.status).toBe(404);
    expect(response.body).toEqual(errorBody('NOT_FOUND'));
  });

  it('answers an unknown topic with 404 TOPIC_NOT_FOUND from metadata, without a produce request, and does not create it', async () => {
    const missing = `missing-${Date.now()}`;
    const produceRequests = async () =>
      sample(await (await fetch(`${ingress.url}/metrics`)).text(), 'kafka_gateway_produce_batch_records_count') ?? 0;
    const before = await produceRequests();
    const response = await postJson(`${ingress.url}/produce`, { topic: missing, payload: 1 });
    expect(response.status).toBe(404);
    expect(response.body).toEqual(errorBody('TOPIC_NOT_FOUND'));
    // Answered from the cluster's metadata: no produce request went out (nor any kafkajs retries of one).
    expect(await produceRequests()).toBe(before);
    expect(await kafka.topicExists(missing)).toBe(false);
  });

  it('answers a partition the topic does not have with 404 PARTITION_NOT_FOUND', async () => {
    const response = await postJson(`${ingress.url}/produce`, { topic, partition: 2, payload: 1 });
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('PARTITION_NOT_FOUND');
  });

  it('refuses JSON nested deeper than the limit with 400 JSON_TOO_DEEP', async () => {
    const deep = `{"topic":"${topic}","payload":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const response = await postJson(`${ingress.url}/produce`, deep, { raw: true });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(errorBody('JSON_TOO_DEEP'));
    const justOver = `{"topic":"${topic}","payload":${'['.repeat(25)}${']'.repeat(25)}}`;
    const refused = await postJson(`${ingress.url}/produce`, justOver, { raw: true });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual(errorBody('JSON_TOO_DEEP'));
  });

  it('refuses prototype-pollution keys with 400 FORBIDDEN_JSON_KEY', async () => {
    for (const payload of ['{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}']) {
      const response = await postJson(`${ingress.url}/produce`, `{"topic":"${topic}","payload":${payload}}`, {
        raw: true,
      });
      expect(response.status).toBe(400);
      expect(response.body).toEqual(errorBody('FORBIDDEN_JSON_KEY'));
    }
  });

  it('answers a record the topic refuses as too large with 413 RECORD_TOO_LARGE, and writes the rest of a batch', async () => {
    const small = await kafka.createTopic('small-records', 1, { 'max.message.bytes': '2048' });
    const refused = await postJson(`${ingress.url}/produce`, { topic: small, payload: 'x'.repeat(4_000) });
    expect(refused.status).toBe(413);
    expect(refused.body).toEqual(errorBody('RECORD_TOO_LARGE'));
    // The producer renews itself after a refused request; the next request must not see a 503 for it.
    expect((await postJson(`${ingress.url}/produce`, { topic: small, payload: 'right after' })).status).toBe(200);
    const mixed = await postJson(`${ingress.url}/produce/batch`, {
      topic: small,
      messages: [{ payload: 'fits' }, { payload: 'x'.repeat(4_000) }, { payload: 'fits too' }],
    });
    expect(mixed.status).toBe(207);
    expect(mixed.body.results.map((r: { success: boolean; code?: string }) => r.code ?? r.success)).toEqual([
      true,
      'RECORD_TOO_LARGE',
      true,
    ]);
    expect(await kafka.recordCount(small)).toBe(3);
  });

  it('keeps serving after all of that', async () => {
    const response = await getJson(`${ingress.url}/health/live`);
    expect(response.status).toBe(200);
  });
});

describe('configuration at boot', () => {
  afterAll(stopAll);

  it.each([
    [{ PORT: 'abc' }, /^ingress: invalid configuration: PORT must be an integer from 1 to 65535 \(got "abc"\)$/m],
    [
      { KAFKA_BROKERS: 'not a broker' },
      /^ingress: invalid configuration: KAFKA_BROKERS must be a comma-separated list of host:port bootstrap brokers/m,
    ],
    [
      { KAFKA_SASL_MECHANISM: 'scram-sha-512' },
      /^ingress: invalid configuration: KAFKA_SASL_USERNAME must be set when KAFKA_SASL_MECHANISM is scram-sha-512/m,
    ],
    [
      { PRODUCE_TIMEOUT_MS: '0' },
      /^ingress: invalid configuration: PRODUCE_TIMEOUT_MS must be an integer from 100 to 120000/m,
    ],
  ])('exits 1 with one line naming the bad variable (%o)', async (env, line) => {
    const app = spawnApp('ingress', [], env);
    expect(await app.exited).toBe(1);
    expect(app.output().trim().split('\n')).toHaveLength(1);
    expect(app.output()).toMatch(line);
  });
});

describe('the body limit and the broker', () => {
  afterAll(stopAll);

  it("lowers INGRESS_MAX_BODY_BYTES to the broker's message.max.bytes, answering 413 before Kafka would refuse", async () => {
    const brokers = testBrokers();
    const topic = await new TestKafka(brokers).createTopic('limits', 1);
    const ingress = await startIngress({
      KAFKA_BROKERS: brokers,
      INGRESS_MAX_BODY_BYTES: String(4 * 1024 * 1024),
      LOG_LEVEL: 'log',
    });
    await waitFor('the warning about the broker limit', async () =>
      /above the broker's message\.max\.bytes \(1048588\)/.test(ingress.output()),
    );
    const big = JSON.stringify({ topic, payload: 'x'.repeat(2 * 1024 * 1024) });
    const response = await postJson(`${ingress.url}/produce`, big, { raw: true });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await postJson(`${ingress.url}/produce`, { topic, payload: 'x'.repeat(512 * 1024) })).status).toBe(200);
  });
});
