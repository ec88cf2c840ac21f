import { sample } from '../../scripts/shared/metrics';
import { readAll } from '../support/kcat';
import {
  forwarderMetrics,
  forwarderSuite,
  forwardTopic,
  numberedRecords,
  waitForRequests,
} from '../support/forwarder-run';
import { freePort, waitFor } from '../support/processes';

describe('forward under failure', () => {
  const { brokers, kafka, startTarget } = forwarderSuite();

  it('loses nothing when killed -9 mid-run and started again; duplicates stay within the in-flight window', async () => {
    const topic = await kafka.createTopic('crash', 6);
    const group = `${topic}-g`;
    const total = 3_000;
    await kafka.produce(topic, numberedRecords(total, 40));
    const sink = await startTarget(() => ({ status: 200, delayMs: 3 }));
    const flags = { workers: 16, 'max-pending': 100, rate: 500 };

    const first = forwardTopic(topic, sink, flags);
    await waitForRequests(sink, 800, { forwarder: first });
    first.child.kill('SIGKILL');
    await first.exited;
    const beforeRestart = sink.deliveries();

    const second = forwardTopic(topic, sink, { ...flags, 'idle-exit': '2s' });
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

  it('dead-letters nothing while the target refuses connections through many cool-downs, and delivers everything after', async () => {
    const topic = await kafka.createTopic('outage', 3);
    const total = 300;
    await kafka.produce(topic, numberedRecords(total, 5));
    const sink = await startTarget(() => ({ status: 200, delayMs: 20 }));
    const healthPort = await freePort();
    const metric = async (name: string, labels: Record<string, string> = {}) =>
      sample(await forwarderMetrics(healthPort), `kafka_gateway_forwarder_${name}`, labels) ?? 0;
    const forwarder = forwardTopic(topic, sink, {
      'health-port': healthPort,
      workers: 4,
      retries: 2,
      'retry-delay': '50ms',
      'retry-max-delay': '300ms',
      'circuit-threshold': 5,
      'circuit-cooldown': '1s',
      'idle-exit': '3s',
      'stats-interval': 1,
    });
    await waitForRequests(sink, 30, { forwarder });
    await sink.stop();
    await waitFor('the circuit to open', async () => /circuit open/.test(forwarder.output()), 60_000);
    // Far more failed attempts than the retries of the records in flight allow: the circuit's probes,
    // one per cool-down, and still nothing dead-lettered.
    const refused = () => metric('delivery_attempts_total', { result: 'connection_error' });
    const atOpen = await refused();
    await waitFor('ten failed probes after the circuit opened', async () => (await refused()) >= atOpen + 10, 120_000);
    expect(await metric('dead_letters_total', { reason: 'exhausted' })).toBe(0);
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
    await kafka.produce(topic, numberedRecords(total, 60));
    const sink = await startTarget(() => ({ status: 200, delayMs: 5 }));
    const flags = { workers: 4, rate: 300, 'idle-exit': '4s' };
    const a = forwardTopic(topic, sink, { ...flags, header: ['X-Instance: a'] });
    const b = forwardTopic(topic, sink, { ...flags, header: ['X-Instance: b'] });
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
    await kafka.produce(topic, numberedRecords(200));
    const sink = await startTarget(() => ({ status: 200, delayMs: 300 }));
    const first = forwardTopic(topic, sink, { workers: 8 });
    await waitForRequests(sink, 20, { forwarder: first });
    const exit = first.stop('SIGTERM');
    expect(await exit).toBe(0);
    expect(first.output()).toMatch(/Stopping \(SIGTERM\)/);
    const afterFirst = sink.received.length;
    expect(afterFirst).toBeLessThan(200);

    const second = forwardTopic(topic, sink, { workers: 8, 'idle-exit': '2s' });
    expect(await second.exited).toBe(0);
    const delivered = sink.deliveries();
    expect(delivered.size).toBe(200);
    expect([...delivered.values()].every((n) => n === 1)).toBe(true);
  }, 120_000);
});
