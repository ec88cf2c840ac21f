import { Kafka, logLevel } from 'kafkajs';
import { forwarderSuite, forwardArgs, forwardTopic, waitForDeliveries } from '../support/forwarder-run';
import { spawnApp, startForwarder, waitFor } from '../support/processes';
import { type Received } from '../support/target';

/** The Go gateway's consumer group: a replacement started without --group must continue it. */
const GO_GROUP = 'http-consumer';

/** Most requests the target had in progress at once, from arrival and answer times. */
function peakConcurrency(arrivals: Map<string, number[]>, received: Received[]): number {
  const events: Array<[number, number]> = [];
  const answered = new Map<string, number>();
  for (const r of received) {
    const id = `${r.partition}/${r.offset}`;
    const arrivedAt = arrivals.get(id)![answered.get(id) ?? 0];
    answered.set(id, (answered.get(id) ?? 0) + 1);
    events.push([arrivedAt, 1], [r.at, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, delta] of events) peak = Math.max(peak, (now += delta));
  return peak;
}

/** Attempts (failed ones included) that reached the target before an earlier record of their lane was done. */
function overtakes(received: Received[], laneOf: (r: Received) => string): string[] {
  const last = new Map<string, number>();
  const found: string[] = [];
  for (const r of received) {
    const lane = laneOf(r);
    if (r.offset < (last.get(lane) ?? -1)) found.push(`${lane}: offset ${r.offset} after ${last.get(lane)}`);
    last.set(lane, Math.max(r.offset, last.get(lane) ?? -1));
  }
  return found;
}

describe('a drop-in for the Go gateway consumer', () => {
  const { brokers, kafka, startTarget } = forwarderSuite();

  it("runs the Go consumer's documented command line, verbatim apart from host names", async () => {
    const topic = await kafka.createTopic('go-cli', 3);
    await kafka.produce(
      topic,
      Array.from({ length: 20 }, (_, i) => ({ value: JSON.stringify({ n: i }) })),
    );
    const sink = await startTarget();

    // README of the Go gateway: `-broker broker0:29092 -topic my-topic -target-url http://api.example.com/webhook -rate 10.0`
    const forwarder = spawnApp(
      'forwarder',
      ['forward', '-broker', brokers, '-topic', topic, '-target-url', sink.url, '-rate', '10.0'],
      { LOG_LEVEL: 'log' },
    );
    await waitForDeliveries(sink, 20, forwarder);
    expect(await forwarder.stop('SIGTERM')).toBe(0);

    expect([...sink.deliveries().values()]).toEqual(Array(20).fill(1));
    expect(forwarder.output()).toContain(`Forwarding ${topic} -> ${sink.url} (group ${GO_GROUP},`);
    // -rate 10.0 really limits: 20 deliveries at 10 a second take about 2 s.
    const times = sink.received.map((r) => r.at);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(1_500);
    expect(await kafka.committedOffsets(GO_GROUP, topic)).toEqual(await kafka.endOffsets(topic));
  }, 90_000);

  it('takes the rest of its flags the Go way too: -group, -retries, -retry-delay and -timeout in seconds', async () => {
    const topic = await kafka.createTopic('go-flags', 1);
    await kafka.produce(
      topic,
      Array.from({ length: 3 }, (_, i) => ({ value: String(i) })),
    );
    const tries = new Map<number, number>();
    const sink = await startTarget((request) => {
      tries.set(request.offset, (tries.get(request.offset) ?? 0) + 1);
      return { status: tries.get(request.offset)! <= 2 ? 503 : 200 };
    });
    const group = `${topic}-go`;
    const forwarder = spawnApp(
      'forwarder',
      [
        'forward',
        '-broker=' + brokers,
        '-topic',
        topic,
        '-target-url',
        sink.url,
        '-group',
        group,
        '-retries',
        '2',
        '-retry-delay',
        '1',
        '-timeout',
        '30',
      ],
      { LOG_LEVEL: 'log' },
    );
    await waitForDeliveries(sink, 3, forwarder);
    expect(await forwarder.stop('SIGTERM')).toBe(0);

    // Two retries were allowed and used: every record answered 503, 503, then 200, and none was dead-lettered.
    expect(sink.received.map((r) => `${r.offset}:${r.status}`)).toEqual(
      [0, 1, 2].flatMap((o) => [`${o}:503`, `${o}:503`, `${o}:200`]),
    );
    expect(forwarder.output()).toContain(`(group ${group},`);
    expect(await kafka.committedOffsets(group, topic)).toEqual(new Map([[0, 3]]));
  }, 90_000);

  it(`continues a group the Go consumer committed halfway: without --group it delivers exactly the second half`, async () => {
    const topic = await kafka.createTopic('go-handover', 2);
    await kafka.produce(
      topic,
      [0, 1].flatMap((partition) =>
        Array.from({ length: 20 }, (_, i) => ({ partition, value: JSON.stringify({ partition, n: i }) })),
      ),
    );

    // The Go consumer's stand-in: a plain kafkajs consumer in group http-consumer that processed and committed offsets 0-9 of each partition.
    const consumer = new Kafka({
      clientId: 'go-consumer',
      brokers: brokers.split(','),
      logLevel: logLevel.NOTHING,
    }).consumer({ groupId: GO_GROUP });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const processed = new Set<string>();
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (Number(message.offset) < 10) processed.add(`${partition}/${message.offset}`);
      },
    });
    await waitFor(
      'the Go consumer to process offsets 0-9 of both partitions',
      async () => processed.size === 20,
      60_000,
    );
    await consumer.commitOffsets([0, 1].map((partition) => ({ topic, partition, offset: '10' })));
    await consumer.disconnect();
    expect(await kafka.committedOffsets(GO_GROUP, topic)).toEqual(
      new Map([
        [0, 10],
        [1, 10],
      ]),
    );

    // BROKER, the Go gateway's variable, instead of --brokers or KAFKA_BROKERS.
    const sink = await startTarget();
    const forwarder = startForwarder(forwardArgs({ topic, 'target-url': sink.url, 'idle-exit': '2s' }), {
      BROKER: brokers,
    });
    expect(await forwarder.exited).toBe(0);

    const delivered = [...sink.deliveries()].map(([id, count]) => `${id}x${count}`).sort();
    const secondHalf = [0, 1].flatMap((p) => Array.from({ length: 10 }, (_, i) => `${p}/${10 + i}x1`)).sort();
    expect(delivered).toEqual(secondHalf);
    expect(await kafka.committedOffsets(GO_GROUP, topic)).toEqual(
      new Map([
        [0, 20],
        [1, 20],
      ]),
    );
    const warnings = forwarder
      .output()
      .split('\n')
      .filter((line) => line.includes('BROKER'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      "Using BROKER (the Go gateway's variable) because KAFKA_BROKERS is unset; rename it to KAFKA_BROKERS",
    );
  }, 120_000);

  it('delivers keyless records in partition order under the defaults, retries included', async () => {
    const topic = await kafka.createTopic('go-keyless', 2);
    await kafka.produce(
      topic,
      [0, 1].flatMap((partition) =>
        Array.from({ length: 60 }, (_, i) => ({ partition, value: JSON.stringify({ n: i }) })),
      ),
    );
    let calls = 0;
    const failed = new Set<string>();
    const sink = await startTarget((request) => {
      const id = `${request.partition}/${request.offset}`;
      // Every 7th record fails its first attempt; answers take 0-4 ms, so parallel requests would overtake each other.
      if (request.offset % 7 === 3 && !failed.has(id)) {
        failed.add(id);
        return { status: 503, delayMs: calls++ % 5 };
      }
      return { status: 200, delayMs: calls++ % 5 };
    });
    const forwarder = forwardTopic(topic, sink, {
      'retry-delay': '10ms',
      'retry-max-delay': '50ms',
      'idle-exit': '2s',
    });
    expect(await forwarder.exited).toBe(0);

    expect(forwarder.output()).toContain('ordering key');
    expect(failed.size).toBe(2 * 9);
    expect([...sink.deliveries().values()]).toEqual(Array(120).fill(1));
    expect(overtakes(sink.received, (r) => String(r.partition))).toEqual([]);
    for (const partition of [0, 1]) {
      expect(sink.received.filter((r) => r.partition === partition && r.status === 200).map((r) => r.offset)).toEqual(
        Array.from({ length: 60 }, (_, i) => i),
      );
    }
  }, 90_000);

  it('keeps keyed records in per-key order, in parallel across keys and beside the keyless lane of the same partition', async () => {
    const topic = await kafka.createTopic('go-mixed', 1);
    const keyOf = (i: number) => (i % 3 === 0 ? null : `k${i % 8}`);
    await kafka.produce(
      topic,
      Array.from({ length: 120 }, (_, i) => ({ key: keyOf(i), value: String(i) })),
    );
    const arrivals = new Map<string, number[]>();
    const sink = await startTarget((request) => {
      const id = `${request.partition}/${request.offset}`;
      arrivals.set(id, [...(arrivals.get(id) ?? []), Date.now()]);
      return { status: 200, delayMs: 20 };
    });
    const forwarder = forwardTopic(topic, sink, { 'idle-exit': '2s' });
    expect(await forwarder.exited).toBe(0);

    expect([...sink.deliveries().values()]).toEqual(Array(120).fill(1));
    expect(overtakes(sink.received, (r) => r.key ?? '(no key)')).toEqual([]);
    const keyless = sink.received.filter((r) => r.key === null);
    expect(keyless.map((r) => r.offset)).toEqual(Array.from({ length: 40 }, (_, i) => i * 3));
    expect(peakConcurrency(arrivals, keyless)).toBe(1);
    // Eight keys and the keyless lane of one partition: several deliveries at once.
    expect(peakConcurrency(arrivals, sink.received)).toBeGreaterThanOrEqual(4);
  }, 90_000);
});
