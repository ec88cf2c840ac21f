import { readAll } from '../support/kcat';
import { forwarderSuite, forwardTopic } from '../support/forwarder-run';

const RECORDS = 2_000;
const KEYS = 50;

/** Deterministic "random" so a failure can be replayed. */
function lcg(seed: number) {
  let state = seed;
  return () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

describe('forward: 2 000 records, 6 partitions, 50 keys, a flaky target', () => {
  const { brokers, kafka, startTarget } = forwarderSuite();

  it('ends every record delivered or dead-lettered, keeps per-key order, and commits to the end', async () => {
    const topic = await kafka.createTopic('flaky', 6);
    const group = `${topic}-group`;
    await kafka.produce(
      topic,
      Array.from({ length: RECORDS }, (_, i) => ({
        key: `key-${i % KEYS}`,
        value: JSON.stringify({ seq: i }),
        headers: { 'x-seq': String(i) },
      })),
    );
    const random = lcg(42);
    const attempts = new Map<string, number[]>();
    const target = await startTarget((request) => {
      const id = `${request.partition}/${request.offset}`;
      const roll = random();
      const status = roll < 0.2 ? 503 : roll < 0.25 ? 400 : 200;
      attempts.set(id, [...(attempts.get(id) ?? []), status]);
      return { status, delayMs: Math.floor(random() * 10) };
    });

    const forwarder = forwardTopic(topic, target, {
      group,
      workers: 32,
      retries: 3,
      'retry-delay': '10ms',
      'retry-max-delay': '100ms',
      'idle-exit': '2s',
      'stats-interval': 1,
    });
    expect(await forwarder.exited).toBe(0);

    const dlq = await readAll(brokers, `${topic}.dlq`);
    const dead = new Map(
      dlq.map((r) => [`${r.headers['dlq-original-partition']}/${r.headers['dlq-original-offset']}`, r]),
    );
    const delivered = target.deliveries();

    // Every record exactly once: delivered or dead-lettered, never both, never twice.
    expect(delivered.size + dead.size).toBe(RECORDS);
    for (const id of dead.keys()) expect(delivered.has(id)).toBe(false);
    expect([...delivered.values()].every((count) => count === 1)).toBe(true);

    // Only final 4xx answers and exhausted retries are dead-lettered, each saying why.
    expect(dead.size).toBeGreaterThan(0);
    for (const [id, record] of dead) {
      const seen = attempts.get(id)!;
      if (record.headers['dlq-reason'] === 'rejected') {
        expect(seen[seen.length - 1]).toBe(400);
        expect(record.headers['dlq-status']).toBe('400');
      } else {
        expect(record.headers['dlq-reason']).toBe('exhausted');
        expect(seen).toEqual([503, 503, 503, 503]);
      }
      expect(record.headers).toMatchObject({
        'dlq-original-topic': topic,
        'dlq-attempts': String(seen.length),
        'x-seq': expect.any(String),
      });
      expect(JSON.parse(record.value!)).toEqual({ seq: Number(record.headers['x-seq']) });
    }

    // Successful deliveries of one key arrive in offset order.
    const lastOffsetOfKey = new Map<string, number>();
    for (const r of target.received.filter((x) => x.status === 200)) {
      expect(r.offset).toBeGreaterThan(lastOffsetOfKey.get(r.key!) ?? -1);
      lastOffsetOfKey.set(r.key!, r.offset);
    }

    // The envelope and headers the target relies on.
    const sample = target.received.find((r) => r.status === 200)!;
    expect(sample).toMatchObject({
      topic,
      key: expect.stringMatching(/^key-/),
      value: { seq: expect.any(Number) },
      recordHeaders: { 'x-seq': expect.any(String) },
    });
    expect(sample.headers).toMatchObject({
      'content-type': 'application/json',
      'idempotency-key': `${topic}-${sample.partition}-${sample.offset}`,
      'webhook-id': `${topic}-${sample.partition}-${sample.offset}`,
      'user-agent': expect.stringMatching(/^kafka-http-gateway-forwarder\/\d+\.\d+\.\d+$/),
    });

    // The group's commits reached the end of every partition.
    expect(await kafka.committedOffsets(group, topic)).toEqual(await kafka.endOffsets(topic));
    expect(forwarder.output()).toMatch(/Summary after .*delivered \d+, dead-lettered \d+/);
  }, 180_000);

  it('keeps each partition in order with --ordering partition', async () => {
    const topic = await kafka.createTopic('ordered', 3);
    await kafka.produce(
      topic,
      Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 10}`, value: String(i) })),
    );
    const ordered = await startTarget(() => ({ status: 200, delayMs: 1 }));
    const forwarder = forwardTopic(topic, ordered, { ordering: 'partition', 'idle-exit': '2s' });
    expect(await forwarder.exited).toBe(0);
    await ordered.stop();
    const lastOffset = new Map<number, number>();
    for (const r of ordered.received) {
      expect(r.offset).toBe((lastOffset.get(r.partition) ?? -1) + 1);
      lastOffset.set(r.partition, r.offset);
    }
    expect(ordered.received).toHaveLength(300);
    expect(ordered.received[0].value).toEqual(expect.any(Number));
  }, 120_000);

  it('sends a value that is not JSON as raw_message and stops after --max-messages', async () => {
    const topic = await kafka.createTopic('raw', 1);
    await kafka.produce(topic, [{ value: 'plain text' }, { value: '{"json":true}' }, { value: 'third' }]);
    const sink = await startTarget();
    const forwarder = forwardTopic(topic, sink, { 'max-messages': 2, ordering: 'partition' });
    expect(await forwarder.exited).toBe(0);
    await sink.stop();
    expect(sink.received.map((r) => r.value)).toEqual([{ raw_message: 'plain text' }, { json: true }]);
    expect((await kafka.committedOffsets(`${topic}-g`, topic)).get(0)).toBe(2);
  }, 60_000);
});
