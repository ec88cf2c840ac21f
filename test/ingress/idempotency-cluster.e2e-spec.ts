import { randomBytes } from 'node:crypto';
import { postJson, type JsonResponse } from '../support/http';
import { TestKafka, testBrokers } from '../support/kafka-admin';
import { byPosition, readAll } from '../support/kcat';
import { sample } from '../../scripts/shared/metrics';
import { startIngress, stopAll, waitFor, type AppProcess } from '../support/processes';

const PRODUCE_TIMEOUT_MS = 3_000;
/** The stated bound: a claim without a result holds for 4 x PRODUCE_TIMEOUT_MS. */
const CLAIM_LIFETIME_MS = 4 * PRODUCE_TIMEOUT_MS;
const KEYS = 200;

/**
 * Three ingress processes on one Kafka, sharing one idempotency topic (their own, so that no other
 * test's keys are in it): one Idempotency-Key, one record, whichever replica a request reaches.
 */
describe('Idempotency-Key across three replicas', () => {
  const brokers = testBrokers();
  const kafka = new TestKafka(brokers);
  const env = {
    KAFKA_BROKERS: brokers,
    PRODUCE_TIMEOUT_MS: String(PRODUCE_TIMEOUT_MS),
    INGRESS_IDEMPOTENCY_TOPIC: `idempotency-${randomBytes(4).toString('hex')}`,
  };
  const startReplicas = () => Promise.all([0, 1, 2].map(() => startIngress(env)));
  let replicas: AppProcess[];
  let topic: string;
  const bodyOf = (key: number) => ({ topic, key: `k${key}`, payload: { order: key } });

  /** Posts until the answer is known (a 409 is retried after its Retry-After, as a client would). */
  async function settle(url: string, body: object, key: string): Promise<JsonResponse> {
    return waitFor(`an answer for ${key}`, async () => {
      const response = await postJson(`${url}/produce`, body, { headers: { 'idempotency-key': key } });
      if (response.status !== 409) return response;
      expect(response.body.code).toBe('IDEMPOTENCY_KEY_IN_USE');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      return undefined;
    });
  }

  /** Sends every key to all three replicas at once; resolves with each key's three answers. */
  const sendToAll = () =>
    Promise.all(
      Array.from({ length: KEYS }, (_, key) =>
        Promise.all(replicas.map((replica) => settle(replica.url, bodyOf(key), `order-${key}`))),
      ),
    );

  beforeAll(async () => {
    topic = await kafka.createTopic('idempotent-cluster', 3);
    replicas = await startReplicas();
  }, 120_000);

  afterAll(stopAll);

  it('writes each key once when it reaches all three replicas at once, and every replica answers the same', async () => {
    const answers = await sendToAll();
    for (const three of answers) {
      for (const answer of three) expect(answer.status).toBe(200);
      expect(three[1].body).toEqual(three[0].body);
      expect(three[2].body).toEqual(three[0].body);
      expect(three.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(2);
    }
    const records = await readAll(brokers, topic);
    expect(records).toHaveLength(KEYS);
    const written = byPosition(records);
    for (const [key, [answer]] of answers.entries())
      expect(written.get(`${answer.body.partition}/${answer.body.offset}`)?.value).toBe(JSON.stringify({ order: key }));
    const metrics = await Promise.all(replicas.map(async (r) => (await fetch(`${r.url}/metrics`)).text()));
    const replays = metrics.map((m) => sample(m, 'kafka_gateway_idempotency_replays_total') ?? 0);
    expect(replays.reduce((a, b) => a + b, 0)).toBe(2 * KEYS);
  }, 180_000);

  it('forgets nothing when every replica restarts', async () => {
    const before = await Promise.all(replicas.map((r) => r.stop('SIGTERM')));
    expect(before).toEqual([0, 0, 0]);
    replicas = await startReplicas();
    const first = await readAll(brokers, topic);
    const answers = await sendToAll();
    for (const three of answers)
      for (const answer of three) {
        expect(answer.status).toBe(200);
        expect(answer.headers.get('idempotent-replayed')).toBe('true');
      }
    const offsets = answers.map((three) => `${three[0].body.partition}/${three[0].body.offset}`);
    expect(new Set(offsets)).toEqual(new Set(first.map((r) => `${r.partition}/${r.offset}`)));
    expect(await readAll(brokers, topic)).toHaveLength(KEYS);
  }, 180_000);

  it('refuses the same key with a different body on every replica', async () => {
    for (const replica of replicas) {
      const response = await postJson(
        `${replica.url}/produce`,
        { ...bodyOf(7), payload: 'another body' },
        { headers: { 'idempotency-key': 'order-7' } },
      );
      expect(response.status).toBe(422);
      expect(response.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    }
    expect(await readAll(brokers, topic)).toHaveLength(KEYS);
  });

  it('expires the claim of a replica killed between its claim and its record, after the stated bound', async () => {
    // The test-only pause holds the victim between its claim and the record it would write.
    const victim = await startIngress({ ...env, INGRESS_IDEMPOTENCY_TEST_DELAY_MS: '600000' });
    const claims = await kafka.recordCount(env.INGRESS_IDEMPOTENCY_TOPIC);
    const body = bodyOf(1_000);
    const pending = postJson(`${victim.url}/produce`, body, { headers: { 'idempotency-key': 'killed' } }).catch(
      () => undefined,
    );
    await waitFor('the claim in the idempotency topic', async () =>
      (await kafka.recordCount(env.INGRESS_IDEMPOTENCY_TOPIC)) > claims ? true : undefined,
    );
    const claimedAt = Date.now();
    await victim.stop('SIGKILL');
    await pending;

    const meanwhile = await postJson(`${replicas[0].url}/produce`, body, { headers: { 'idempotency-key': 'killed' } });
    expect(meanwhile.status).toBe(409);
    expect(meanwhile.body.code).toBe('IDEMPOTENCY_KEY_IN_USE');

    const written = await waitFor(
      'the claim to expire',
      async () => {
        const response = await postJson(`${replicas[0].url}/produce`, body, {
          headers: { 'idempotency-key': 'killed' },
        });
        return response.status === 200 ? response : undefined;
      },
      CLAIM_LIFETIME_MS + 30_000,
      500,
    );
    expect(Date.now() - claimedAt).toBeGreaterThanOrEqual(CLAIM_LIFETIME_MS - 2 * PRODUCE_TIMEOUT_MS);
    expect(written.headers.get('idempotent-replayed')).toBeNull();
    const records = await readAll(brokers, topic);
    expect(records.filter((r) => r.value === JSON.stringify({ order: 1_000 }))).toHaveLength(1);
    const metrics = await (await fetch(`${replicas[0].url}/metrics`)).text();
    expect(sample(metrics, 'kafka_gateway_idempotency_claims_expired_total')).toBe(1);
  }, 120_000);

  it('keeps keys per instance with INGRESS_IDEMPOTENCY_STORE=memory, as before', async () => {
    const local = await Promise.all([0, 1].map(() => startIngress({ ...env, INGRESS_IDEMPOTENCY_STORE: 'memory' })));
    const body = bodyOf(2_000);
    const answers = [];
    for (const replica of [local[0], local[0], local[1]])
      answers.push(await postJson(`${replica.url}/produce`, body, { headers: { 'idempotency-key': 'local' } }));
    expect(answers.map((a) => [a.status, a.headers.get('idempotent-replayed')])).toEqual([
      [200, null],
      [200, 'true'],
      [200, null],
    ]);
    const records = await readAll(brokers, topic);
    expect(records.filter((r) => r.value === JSON.stringify({ order: 2_000 }))).toHaveLength(2);
    await Promise.all(local.map((replica) => replica.stop('SIGTERM')));
  });
});
