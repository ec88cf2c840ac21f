import { getJson } from '../support/http';
import { freePort, spawnApp, startForwarder, stopAll, waitFor } from '../support/processes';
import { forwardArgs } from '../support/forwarder-run';
import { TestKafka, testBrokers } from '../support/kafka-admin';

describe('the forward command line', () => {
  afterAll(stopAll);

  const run = async (args: string[], env: Record<string, string> = {}) => {
    const app = spawnApp('forwarder', args, env);
    return { code: await app.exited, output: app.output() };
  };

  it.each([
    [['forward', '--target-url', 'http://t/'], 2, /^error: required option '--topic <topic>' not specified$/],
    [
      ['forward', '--topic', 't', '--target-url', 'ftp://t/'],
      2,
      /^error: option '--target-url <url>' argument 'ftp:\/\/t\/' is invalid\. It must be an absolute http:\/\/ or https:\/\/ URL\.$/,
    ],
    [
      ['forward', '--topic', 't', '--target-url', 'http://t/', '--workers', '0'],
      2,
      /^error: option '--workers <n\|auto>' argument '0' is invalid\. It must be auto or an integer from 1 to 1024\.$/,
    ],
    [
      ['forward', '--topic', 't', '--target-url', 'http://t/', '--ordering', 'random'],
      2,
      /^error: option '--ordering <mode>' argument 'random' is invalid\. Allowed choices are key, partition, none\.$/,
    ],
    [
      ['forward', '--topic', 't', '--target-url', 'http://t/', '--retry-delay', '1m', '--retry-max-delay', '10s'],
      2,
      /^error: --retry-delay \(1m\) must not exceed --retry-max-delay \(10s\)\.$/,
    ],
    [
      ['forward', '--topic', 'bad topic', '--target-url', 'http://t/'],
      2,
      /^error: option '--topic <topic>' argument 'bad topic' is invalid/,
    ],
    [
      ['forward', '--topic', 't', '--target-url', 'http://t/', '--min-workers', '64', '--max-workers', '32'],
      2,
      /^error: --min-workers \(64\) must not exceed --max-workers \(32\)\.$/,
    ],
    [
      ['forward', '--topic', 't', '--target-url', 'http://t/', '--max-workers', '2000'],
      2,
      /^error: option '--max-workers <n>' argument '2000' is invalid\. It must be an integer from 1 to 1024\.$/,
    ],
    [
      ['forward', '--topic', 't', '--target-url', 'http://t/', '--workers', '64', '--max-pending', '10'],
      2,
      /^error: --max-pending \(10\) must be at least --workers \(64\)\.$/,
    ],
  ])('%j exits %i with one line', async (args, code, line) => {
    const result = await run(args);
    expect(result.code).toBe(code);
    expect(result.output.trim()).toMatch(line);
  });

  it('names a bad environment variable and exits 1', async () => {
    const result = await run(['forward', '--topic', 't', '--target-url', 'http://t/'], { FORWARDER_WORKERS: 'many' });
    expect(result.code).toBe(1);
    expect(result.output.trim()).toBe(
      "error: option '--workers <n|auto>' value 'many' from env 'FORWARDER_WORKERS' is invalid. It must be auto or an integer from 1 to 1024.",
    );
    const kafka = await run(['forward', '--topic', 't', '--target-url', 'http://t/'], { KAFKA_BROKERS: 'nope' });
    expect(kafka.code).toBe(1);
    expect(kafka.output.trim()).toMatch(
      /^forwarder: invalid configuration: KAFKA_BROKERS must be a comma-separated list of host:port/,
    );
  });

  it('takes options from the environment, flags winning', async () => {
    const result = await run(['forward', '--target-url', 'http://t/', '--workers', '0'], {
      FORWARDER_TOPIC: 't',
      FORWARDER_WORKERS: '5',
    });
    expect(result.code).toBe(2);
    expect(result.output).toMatch(/'--workers <n\|auto>' argument '0'/);
  });

  it('shows every option with its default in --help', async () => {
    const result = await run(['forward', '--help']);
    expect(result.code).toBe(0);
    for (const flag of [
      '--topic',
      '--target-url',
      '--brokers',
      '--broker',
      '--group',
      '--workers',
      '--min-workers',
      '--max-workers',
      '--ordering',
      '--rate',
      '--retries',
      '--retry-delay',
      '--retry-max-delay',
      '--timeout',
      '--dlq-topic',
      '--header',
      '--health-port',
      '--stats-interval',
      '--max-messages',
      '--idle-exit',
      '--shutdown-timeout',
      '--retry-4xx',
    ]) {
      expect(result.output).toContain(flag);
    }
    expect(result.output).toMatch(/default: http-consumer/);
    expect(result.output).toMatch(/default: <topic>\.dlq/);
  });

  it('keeps retrying, visibly and without exiting, while Kafka is unreachable, and reports down on /health', async () => {
    const port = await freePort();
    const forwarder = startForwarder(
      forwardArgs({ topic: 't', 'target-url': 'http://127.0.0.1:9/', brokers: '127.0.0.1:1', 'health-port': port }),
    );
    const health = await waitFor('the health endpoint', async () => getJson(`http://127.0.0.1:${port}/health`), 20_000);
    expect(health.status).toBe(503);
    expect(health.body.error.consumer).toMatchObject({ status: 'down', state: 'connecting' });
    await waitFor('a visible retry message', async () => /cannot reach Kafka/.test(forwarder.output()), 20_000);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(forwarder.child.exitCode).toBeNull();
    expect(await forwarder.stop('SIGTERM')).toBe(0);
  });

  it('reports up on /health once it is a member of its group', async () => {
    const brokers = testBrokers();
    const topic = await new TestKafka(brokers).createTopic('health', 1);
    const port = await freePort();
    const forwarder = startForwarder(
      forwardArgs({ topic, 'target-url': 'http://127.0.0.1:9/', brokers, group: `${topic}-g`, 'health-port': port }),
    );
    const health = await waitFor('/health to be up', async () => {
      const response = await getJson(`http://127.0.0.1:${port}/health`);
      return response.status === 200 ? response : undefined;
    });
    expect(health.body.info.consumer).toMatchObject({ status: 'up', state: 'member' });
    expect(await forwarder.stop('SIGTERM')).toBe(0);
  });
});
