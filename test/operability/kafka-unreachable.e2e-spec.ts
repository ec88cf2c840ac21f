import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getJson } from '../support/http';
import { freePort, spawnApp, startForwarder, stopAll, waitFor } from '../support/processes';
import { forwardArgs } from '../support/forwarder-run';

/** The JSON log lines at warn or above. */
/** Resolves with the first warning that names `broker`, or fails with the output so far after 30 s. */
async function warningNaming(app: { output: () => string }, broker: string): Promise<string> {
  try {
    return await waitFor(
      'a warning',
      async () => warnings(app.output()).find((msg) => msg.includes(broker)),
      30_000,
      50,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; the output so far:\n${app.output()}`);
  }
}

const lines = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string });
const messages = (output: string) => lines(output).map((line) => line.msg);
const warnings = (output: string) =>
  lines(output)
    .filter((line) => line.level >= 40)
    .map((line) => line.msg);

describe('Kafka unreachable at start', () => {
  let notKafka: Server;
  let notKafkaPort: number;

  beforeAll(async () => {
    // A plain HTTP server where a broker should be.
    notKafka = createServer((_request, response) => response.end('hello'));
    await new Promise<void>((resolve) => notKafka.listen(0, '127.0.0.1', resolve));
    notKafkaPort = (notKafka.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await stopAll();
    await new Promise((resolve) => notKafka.close(resolve));
  });

  it('the forwarder warns naming the broker and the cause, says so from its first progress line, and is not ready', async () => {
    const closed = await freePort();
    const healthPort = await freePort();
    const forwarder = startForwarder(
      forwardArgs({
        topic: 't',
        'target-url': 'http://127.0.0.1:9/',
        brokers: `127.0.0.1:${closed}`,
        'stats-interval': 1,
        'health-port': healthPort,
      }),
    );
    const warning = await warningNaming(forwarder, `127.0.0.1:${closed}`);
    expect(warning).toMatch(new RegExp(`^cannot reach Kafka at 127\\.0\\.0\\.1:${closed}: connection refused`));
    // Warned at once, before kafkajs gives up its first attempt: the first progress line (1 s) already names the cause.
    const firstProgress = await waitFor(
      'a progress line',
      async () => messages(forwarder.output()).find((msg) => msg.startsWith('waiting for Kafka')),
      30_000,
    );
    expect(firstProgress).toMatch(/^waiting for Kafka: cannot reach Kafka at/);
    expect((await getJson(`http://127.0.0.1:${healthPort}/health/ready`)).status).toBe(503);
    expect(await forwarder.stop('SIGTERM')).toBe(0);
    const output = forwarder.output();
    expect(output).not.toMatch(/delivered 0, retried 0, dead-lettered 0, in flight 0, [\d.]+\/s, lag 0/);
    // Kafka was never reached: the summary cannot know the lag, and says so.
    expect(output).toMatch(/Summary after [\d.]+s: .*, lag unknown/);
    // One line for the admin client, the producer and the consumer together, not one each.
    expect(warnings(output).filter((msg) => msg.startsWith('cannot reach Kafka'))).toHaveLength(1);
  });

  it('the forwarder says when the broker address answers but is not Kafka', async () => {
    const forwarder = startForwarder(
      forwardArgs({ topic: 't', 'target-url': 'http://127.0.0.1:9/', brokers: `127.0.0.1:${notKafkaPort}` }),
    );
    const warning = await warningNaming(forwarder, `127.0.0.1:${notKafkaPort}`);
    expect(warning).toMatch(/the server closed the connection without a Kafka answer \(is it a Kafka listener/);
    expect(await forwarder.stop('SIGTERM')).toBe(0);
  });

  it.each([
    ['nothing listens', (closed: number) => `127.0.0.1:${closed}`, /: connection refused/],
    [
      'a server that is not Kafka listens',
      () => `127.0.0.1:${notKafkaPort}`,
      /: the server closed the connection without a Kafka answer/,
    ],
  ])(
    'the ingress warns when %s, naming the broker and the cause, and is live but not ready',
    async (_case, brokers, cause) => {
      const port = await freePort();
      const broker = brokers(await freePort());
      const ingress = spawnApp('ingress', [], {
        HOST: '127.0.0.1',
        PORT: String(port),
        KAFKA_BROKERS: broker,
        LOG_LEVEL: 'log',
      });
      const warning = await warningNaming(ingress, broker);
      expect(warning).toMatch(cause);
      expect(warning).toMatch(new RegExp(`^cannot reach Kafka at ${broker.replace(/\./g, '\\.')}`));
      expect((await getJson(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
      expect((await getJson(`http://127.0.0.1:${port}/health/ready`)).status).toBe(503);
      expect(await ingress.stop('SIGTERM')).toBe(0);
    },
  );
});
