import { readAll } from '../support/kcat';
import { TestKafka, testBrokers } from '../support/kafka-admin';
import { startForwarder, stopAll, waitFor } from '../support/processes';
import { TestTarget } from '../support/target';

describe('forward under failure', () => {
  const brokers = testBrokers();
  const kafka = new TestKafka(brokers);
  const targets: TestTarget[] = [];
  const target = async (t: TestTarget) => (targets.push(t), t.start());

  afterAll(async () => {
    await stopAll();
    await Promise.all(targets.map((t) => t.stop()));
  });

  it('loses nothing when killed -9 mid-run and started again; duplicates stay within the in-flight window', async () => {
    const topic = await kafka.createTopic('crash', 6);
    const group = `${topic}-g`;
    const total = 3_000;
    await kafka.produce(
      topic,
      Array.from({ length: total }, (_, i) => ({ key: `k${i % 40}`, value: JSON.stringify({ i }) })),
    );
    const sink = await target(new TestTarget(() => ({ status: 200, delayMs: 3 })));
    const args = [
      '--topic',
      topic,
      '--target-url',
      sink.url,
      '--brokers',
      brokers,
      '--group',
      group,
      '--workers',
      '16',
      '--max-pending',
      '100',
      '--rate',
      '500',
    ];

    const first = startForwarder(args);
    await waitFor('some deliveries', async () => sink.received.length >= 800, 60_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const beforeRestart = sink.deliveries();

    const second = startForwarder([...args, '--idle-exit', '2s']);
    expect(await second.exited).toBe(0);

    const delivered = sink.deliveries();
    expect(delivered.size).toBe(total);
    const duplicates = [...delivered.values()].reduce((sum, n) => sum + n - 1, 0);
    console.log(
      `crash test: ${beforeRestart.size} delivered before kill -9, ${duplicates} duplicate deliveries after restart`,
    );
    // At most the fetched-but-unfinished window (100) plus what finished since the last commit (~1 s at 500/s).
    expect(duplicates).toBeLessThanOrEqual(100 + 600);
    expect(await kafka.committedOffsets(group, topic)).toEqual(await kafka.endOffsets(topic));
  }, 180_000);

  it('dead-letters nothing while the target refuses connections for 20 s, and delivers everything after', async () => {
    const topic = await kafka.createTopic('outage', 3);
    const total = 300;
    await kafka.produce(
      topic,
      Array.from({ length: total }, (_, i) => ({ key: `k${i % 5}`, value: JSON.stringify({ i }) })),
    );
    const sink = await target(new TestTarget(() => ({ status: 200, delayMs: 20 })));
    const forwarder = startForwarder([
      '--topic',
      topic,
      '--target-url',
      sink.url,
      '--brokers',
      brokers,
      '--group',
      `${topic}-g`,
      '--workers',
      '4',
      '--retries',
      '2',
      '--retry-delay',
      '50ms',
      '--retry-max-delay',
      '300ms',
      '--circuit-threshold',
      '5',
      '--circuit-cooldown',
      '1s',
      '--idle-exit',
      '3s',
      '--stats-interval',
      '1',
    ]);
    await waitFor('the first deliveries', async () => sink.received.length >= 30, 60_000);
    await sink.stop();
    await new Promise((r) => setTimeout(r, 20_000));
    expect(forwarder.output()).toMatch(/circuit open/);
    await sink.start();

    expect(await forwarder.exited).toBe(0);
    expect(sink.deliveries().size).toBe(total);
    expect(await readAll(brokers, `${topic}.dlq`).catch(() => [])).toEqual([]);
    expect(forwarder.output()).toMatch(/dead-lettered 0/);
  }, 180_000);

  it('splits partitions between two instances of one group and loses nothing', async () => {
    const topic = await kafka.createTopic('pair', 6);
    const group = `${topic}-g`;
    const total = 2_000;
    await kafka.produce(
      topic,
      Array.from({ length: total }, (_, i) => ({ key: `k${i % 60}`, value: JSON.stringify({ i }) })),
    );
    const sink = await target(new TestTarget(() => ({ status: 200, delayMs: 5 })));
    const common = [
      '--topic',
      topic,
      '--target-url',
      sink.url,
      '--brokers',
      brokers,
      '--group',
      group,
      '--workers',
      '4',
      '--rate',
      '300',
      '--idle-exit',
      '4s',
    ];
    const a = startForwarder([...common, '--header', 'X-Instance: a']);
    const b = startForwarder([...common, '--header', 'X-Instance: b']);
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);

    expect(sink.deliveries().size).toBe(total);
    const partitionsBy = (instance: string) =>
      new Set(sink.received.filter((r) => r.headers['x-instance'] === instance).map((r) => r.partition));
    expect(partitionsBy('a').size).toBeGreaterThan(0);
    expect(partitionsBy('b').size).toBeGreaterThan(0);
    expect(await kafka.committedOffsets(group, topic)).toEqual(await kafka.endOffsets(topic));
  }, 180_000);

  it('on SIGTERM finishes deliveries in flight and commits them, so the next run repeats nothing', async () => {
    const topic = await kafka.createTopic('sigterm', 2);
    const group = `${topic}-g`;
    await kafka.produce(
      topic,
      Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ i }) })),
    );
    const sink = await target(new TestTarget(() => ({ status: 200, delayMs: 300 })));
    const args = ['--topic', topic, '--target-url', sink.url, '--brokers', brokers, '--group', group, '--workers', '8'];
    const first = startForwarder(args);
    await waitFor('deliveries under way', async () => sink.received.length >= 20, 60_000);
    const exit = first.stop('SIGTERM');
    expect(await exit).toBe(0);
    expect(first.output()).toMatch(/Stopping \(SIGTERM\)/);
    const afterFirst = sink.received.length;
    expect(afterFirst).toBeLessThan(200);

    const second = startForwarder([...args, '--idle-exit', '2s']);
    expect(await second.exited).toBe(0);
    const delivered = sink.deliveries();
    expect(delivered.size).toBe(200);
    expect([...delivered.values()].every((n) => n === 1)).toBe(true);
  }, 120_000);
});
