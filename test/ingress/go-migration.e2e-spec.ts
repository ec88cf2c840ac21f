import { readAt } from '../support/kcat';
import { TestKafka, testBrokers } from '../support/kafka-admin';
import { postJson } from '../support/http';
import { freePort, spawnApp, startIngress, stopAll, waitFor, type AppProcess } from '../support/processes';

/** The Go gateway's success sentence, word for word. */
const goMessage = (topic: string, partition: number, offset: number) =>
  `Message delivered to topic ${topic}, partition ${partition}, offset ${offset}`;

describe('the ingress as a drop-in for the Go gateway', () => {
  const brokers = testBrokers();
  const kafka = new TestKafka(brokers);
  afterAll(stopAll);

  describe('its README requests', () => {
    let ingress: AppProcess;
    let topic: string;

    beforeAll(async () => {
      ingress = await startIngress({ KAFKA_BROKERS: brokers });
      topic = await kafka.createTopic('go-readme', 1);
    });

    it('answers 200 with success and the Go sentence in message, beside our fields', async () => {
      const first = await postJson(`${ingress.url}/produce`, { topic, payload: { user_id: 123, action: 'login' } });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({
        success: true,
        message: goMessage(topic, 0, 0),
        topic,
        partition: 0,
        offset: 0,
        timestamp: expect.any(String),
      });

      const second = await postJson(`${ingress.url}/produce`, {
        topic,
        key: 'user-123',
        payload: { user_id: 123, action: 'logout' },
      });
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ success: true, message: goMessage(topic, 0, 1) });
      // The sentence tells the truth: an independent reader finds the record where it says.
      expect(await readAt(brokers, topic, 0, 1)).toMatchObject({
        key: 'user-123',
        value: '{"user_id":123,"action":"logout"}',
      });
    });

    it('repeats the same message when an Idempotency-Key request is replayed', async () => {
      const send = () =>
        postJson(
          `${ingress.url}/produce`,
          { topic, payload: 'once' },
          { headers: { 'Idempotency-Key': `go-${topic}` } },
        );
      const first = await send();
      const replay = await send();
      expect(replay.status).toBe(200);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body.message).toBe(first.body.message);
      expect(first.body.message).toBe(goMessage(topic, first.body.partition, first.body.offset));
    });

    it('answers 400 with success false for a request it cannot take', async () => {
      for (const body of ['{"topic":', JSON.stringify({ payload: 1 })]) {
        const response = await postJson(`${ingress.url}/produce`, body, { raw: true });
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({
          success: false,
          error: expect.any(String),
          code: expect.stringMatching(/^(INVALID_JSON|VALIDATION_FAILED)$/),
        });
      }
    });
  });

  it('boots from BROKER and GO_APP_PORT alone, with one warning line for each naming the new variable', async () => {
    const port = await freePort();
    const topic = await kafka.createTopic('go-env', 1);
    const app = spawnApp('ingress', [], {
      HOST: '127.0.0.1',
      GO_APP_PORT: `:${port}`,
      BROKER: brokers,
      LOG_LEVEL: 'warn',
    });
    await Promise.race([
      waitFor(
        'the ingress to be ready on GO_APP_PORT',
        async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).ok,
        30_000,
      ),
      app.exited.then((code) => {
        throw new Error(`the ingress exited with ${code}:\n${app.output()}`);
      }),
    ]);
    const response = await postJson(`http://127.0.0.1:${port}/produce`, { topic, payload: 1 });
    expect(response.body).toMatchObject({ success: true, message: goMessage(topic, 0, 0) });
    expect(await app.stop('SIGTERM')).toBe(0);

    const lines = app.output().split('\n');
    expect(lines.filter((line) => line.includes('GO_APP_PORT'))).toEqual([
      expect.stringContaining(
        `"msg":"Using GO_APP_PORT (the Go gateway's variable) because PORT is unset; rename it to PORT"`,
      ),
    ]);
    expect(lines.filter((line) => /\bBROKER\b/.test(line))).toEqual([
      expect.stringContaining(
        `"msg":"Using BROKER (the Go gateway's variable) because KAFKA_BROKERS is unset; rename it to KAFKA_BROKERS"`,
      ),
    ]);
  });

  it.each([':0', '8080:', 'eighty'])('refuses GO_APP_PORT=%j with one line, exit 1', async (value) => {
    const app = spawnApp('ingress', [], { GO_APP_PORT: value, KAFKA_BROKERS: brokers });
    expect(await app.exited).toBe(1);
    expect(app.output().trim()).toBe(
      `ingress: invalid configuration: GO_APP_PORT must be a port from 1 to 65535, with or without a leading ':' (got "${value}")`,
    );
  });
});
