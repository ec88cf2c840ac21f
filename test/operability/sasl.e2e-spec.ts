import {
  TEST_KAFKA_BASE_PORT,
  kafkaScript,
  newClusterSpec,
  startCluster,
  type LocalCluster,
} from '../setup/test-kafka';
import { readAt } from '../support/kcat';
import { TestKafka } from '../support/kafka-admin';
import { getJson, postJson } from '../support/http';
import { freePort, startForwarder, startIngress, stopAll, waitFor } from '../support/processes';
import { TestTarget } from '../support/target';

/**
 * A broker with a SASL_PLAINTEXT listener (SCRAM-SHA-512, user gateway / gateway-secret), as
 * `KAFKA_SASL=true npm run kafka:up` starts it: both apps go through it with credentials and
 * say clearly when the credentials are wrong.
 */
describe('Kafka SASL (SCRAM-SHA-512)', () => {
  let cluster: LocalCluster;
  let saslBrokers: string;
  let topic: string;
  const target = new TestTarget();
  const credentials = (password: string) => ({
    KAFKA_BROKERS: saslBrokers,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: 'gateway',
    KAFKA_SASL_PASSWORD: password,
  });

  beforeAll(async () => {
    cluster = await startCluster(newClusterSpec(TEST_KAFKA_BASE_PORT + 300, 1, true));
    saslBrokers = `127.0.0.1:${cluster.port + 200}`;
    topic = await new TestKafka(cluster.brokers).createTopic('sasl', 1);
    await target.start();
  }, 120_000);

  afterAll(async () => {
    await stopAll();
    await target.stop();
    await kafkaScript(cluster, 'reset').catch(() => undefined);
  });

  it('produces and forwards through the SASL listener with the right credentials', async () => {
    const ingress = await startIngress(credentials('gateway-secret'));
    const written = await waitFor('a produce through SASL', async () => {
      const response = await postJson(`${ingress.url}/produce`, { topic, key: 'k', payload: { via: 'sasl' } });
      return response.status === 200 ? response : undefined;
    });
    expect(await readAt(cluster.brokers, topic, written.body.partition, written.body.offset)).toMatchObject({
      value: '{"via":"sasl"}',
    });

    const forwarder = startForwarder(
      ['--topic', topic, '--target-url', target.url, '--group', 'sasl-g', '--idle-exit', '1s'],
      credentials('gateway-secret'),
    );
    expect(await forwarder.exited).toBe(0);
    expect(target.received.map((r) => r.value)).toEqual([{ via: 'sasl' }]);
  });

  it('fails clearly, and keeps retrying, with wrong credentials', async () => {
    const ingress = await startIngress(credentials('wrong-password'), { ready: false });
    // Both the admin client (the `kafka` check) and the producer report it, each after its own first attempt.
    const ready = await waitFor('readiness to report the refusal', async () => {
      const response = await getJson(`${ingress.url}/health/ready`);
      return response.status === 503 && /refused the credentials/.test(response.body.details?.kafka?.message ?? '')
        ? response
        : undefined;
    });
    expect(ready.body.details.kafka.message).toMatch(
      /check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/,
    );
    const produce = await postJson(`${ingress.url}/produce`, { topic, payload: 1 });
    expect(produce.status).toBe(503);
    expect(ingress.output()).toMatch(/Kafka refused the credentials/);

    const port = await freePort();
    const forwarder = startForwarder(
      ['--topic', topic, '--target-url', target.url, '--group', 'sasl-bad', '--health-port', String(port)],
      credentials('wrong-password'),
    );
    await waitFor(
      'the forwarder to say why',
      async () => /Kafka refused the credentials/.test(forwarder.output()),
      30_000,
    );
    expect((await getJson(`http://127.0.0.1:${port}/health`)).status).toBe(503);
    expect(forwarder.child.exitCode).toBeNull();
    expect(await forwarder.stop('SIGTERM')).toBe(0);
  });
});
