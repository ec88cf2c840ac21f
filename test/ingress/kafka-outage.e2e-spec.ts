import {
  TEST_KAFKA_BASE_PORT,
  kafkaScript,
  newClusterSpec,
  startCluster,
  type LocalCluster,
} from '../setup/test-kafka';
import { readAll, readAt } from '../support/kcat';
import { TestKafka } from '../support/kafka-admin';
import { getJson, postJson } from '../support/http';
import { startIngress, stopAll, waitFor, type AppProcess } from '../support/processes';
import { produceUntilAccepted } from '../support/produce-answer';

const PRODUCE_TIMEOUT_MS = 3_000;

/**
 * Stops and restarts a cluster of its own (not the shared one), with the ingress running
 * throughout: 503 with Retry-After in bounded time while Kafka is gone (with Idempotency-Key too,
 * and then nothing is written), and recovery by itself.
 */
describe('Kafka stopped mid-test', () => {
  let cluster: LocalCluster;
  let ingress: AppProcess;
  let topic: string;

  beforeAll(async () => {
    cluster = await startCluster(newClusterSpec(TEST_KAFKA_BASE_PORT + 200));
    topic = await new TestKafka(cluster.brokers).createTopic('outage', 2);
    ingress = await startIngress({ KAFKA_BROKERS: cluster.brokers, PRODUCE_TIMEOUT_MS: String(PRODUCE_TIMEOUT_MS) });
    await waitFor('the ingress to be ready', async () => (await getJson(`${ingress.url}/health/ready`)).status === 200);
  }, 120_000);

  afterAll(async () => {
    await stopAll();
    await kafkaScript(cluster, 'reset').catch(() => undefined);
  });

  it('answers 503 with Retry-After within the produce timeout while Kafka is down, then recovers without a restart', async () => {
    const before = await postJson(`${ingress.url}/produce`, { topic, key: 'k', payload: 'before' });
    expect(before.status).toBe(200);

    await kafkaScript(cluster, 'down');

    // A generous deadline on each answer: a probe or a produce that hung would fail here, not by a stopwatch.
    const health = await getJson(`${ingress.url}/health`, 10_000);
    expect(health.status).toBe(503);
    expect(health.body.status).toBe('error');
    expect((await getJson(`${ingress.url}/health/live`)).status).toBe(200);

    for (let i = 0; i < 3; i++) {
      const during = await postJson(
        `${ingress.url}/produce`,
        { topic, key: 'k', payload: `during-${i}` },
        { timeoutMs: 5 * PRODUCE_TIMEOUT_MS },
      );
      expect(during.status).toBe(503);
      expect(['KAFKA_UNAVAILABLE', 'KAFKA_TIMEOUT']).toContain(during.body.code);
      expect(Number(during.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect((await getJson(`${ingress.url}/health/ready`)).status).toBe(503);
    // With Idempotency-Key the key cannot be claimed in Kafka: 503, and nothing written.
    const keyed = { topic, key: 'k', payload: 'keyed' };
    const withKey = { headers: { 'idempotency-key': 'during-outage' } };
    const refused = await postJson(`${ingress.url}/produce`, keyed, withKey);
    expect(refused.status).toBe(503);
    expect(['KAFKA_UNAVAILABLE', 'KAFKA_TIMEOUT']).toContain(refused.body.code);
    expect(refused.ms).toBeLessThan(PRODUCE_TIMEOUT_MS + 1_000);

    await kafkaScript(cluster, 'up');

    const after = await produceUntilAccepted(ingress.url, { topic, key: 'k', payload: 'after' }, 60_000);
    expect(await readAt(cluster.brokers, topic, after.body.partition, after.body.offset)).toMatchObject({
      value: '"after"',
    });
    expect((await readAll(cluster.brokers, topic)).filter((r) => r.value === '"keyed"')).toEqual([]);
    const keyedAfter = await waitFor(
      'a produce with Idempotency-Key to succeed again',
      async () => {
        const response = await postJson(`${ingress.url}/produce`, keyed, withKey);
        return response.status === 200 ? response : undefined;
      },
      60_000,
    );
    expect(keyedAfter.headers.get('idempotent-replayed')).toBeNull();
    expect((await readAll(cluster.brokers, topic)).filter((r) => r.value === '"keyed"')).toHaveLength(1);
    await waitFor(
      '/health to be 200 again',
      async () => (await getJson(`${ingress.url}/health`)).status === 200,
      30_000,
    );
    await waitFor(
      '/health/ready to be 200 again',
      async () => (await getJson(`${ingress.url}/health/ready`)).status === 200,
      30_000,
    );
  }, 180_000);
});

describe('starting while Kafka is unreachable', () => {
  afterAll(stopAll);

  it('answers liveness at once, readiness 503, and produce 503 without waiting', async () => {
    const ingress = await startIngress({ KAFKA_BROKERS: '127.0.0.1:1' });
    expect((await getJson(`${ingress.url}/health/live`)).status).toBe(200);
    const ready = await getJson(`${ingress.url}/health/ready`, 10_000);
    expect(ready.status).toBe(503);
    // KAFKA_UNAVAILABLE, not KAFKA_TIMEOUT: refused at once, not after waiting out the produce timeout.
    const produce = await postJson(`${ingress.url}/produce`, { topic: 'any', payload: 1 }, { timeoutMs: 30_000 });
    expect(produce.status).toBe(503);
    expect(produce.body.code).toBe('KAFKA_UNAVAILABLE');
    expect(produce.headers.get('retry-after')).toBe('5');
    expect(await ingress.stop('SIGTERM')).toBe(0);
  });
});
