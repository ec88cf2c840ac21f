import type { Message } from 'kafkajs';
import { forwarderMetrics, forwarderSuite, forwardTopic } from '../support/forwarder-run';
import { getJson } from '../support/http';
import { readAll, type ReadRecord } from '../support/kcat';
import { freePort, waitFor } from '../support/processes';
import type { Received, TestTarget } from '../support/target';

/**
 * One refused key must never stop the line: a target that answers 500 (or 400) to one key's records
 * and 200 to every other gets every other record in per-key order, the refused ones dead-lettered
 * with why, and the commit at the end of the topic.
 */
describe('forward with a refused key (poison records)', () => {
  const { brokers, kafka, startTarget } = forwarderSuite();

  /** The first delivery of each record, per key, must come in offset order. */
  function expectPerKeyOrder(received: Received[]): void {
    const seen = new Set<string>();
    const lastOffset = new Map<string, number>();
    for (const r of received) {
      const id = `${r.partition}/${r.offset}`;
      if (r.status !== 200 || seen.has(id)) continue;
      seen.add(id);
      const lane = `${r.partition}/${r.key}`;
      expect(r.offset).toBeGreaterThan(lastOffset.get(lane) ?? -1);
      lastOffset.set(lane, r.offset);
    }
  }

  async function deadLetters(topic: string): Promise<ReadRecord[]> {
    return readAll(brokers, `${topic}.dlq`).catch(() => []);
  }

  /** Waits for the forwarder's clean exit (--idle-exit) and checks the commit reached the end of the topic. */
  async function expectCommittedToEnd(topic: string, exited: Promise<number | null>): Promise<void> {
    expect(await exited).toBe(0);
    expect(await kafka.committedOffsets(`${topic}-g`, topic)).toEqual(await kafka.endOffsets(topic));
  }

  const refusing =
    (refused: Record<string, number>): ConstructorParameters<typeof TestTarget>[0] =>
    (request) => ({ status: refused[request.key ?? ''] ?? 200 });

  it('delivers every other record of one partition and dead-letters the 12 refused ones, with defaults', async () => {
    const topic = await kafka.createTopic('poison', 1);
    // 6 000 records over 300 keys, and 12 of the key "poison" spread through the topic.
    const messages: Message[] = [];
    for (let i = 0; i < 6_000; i++) {
      if (i % 500 === 250) messages.push({ key: 'poison', value: JSON.stringify({ poison: i }) });
      messages.push({ key: `k${i % 300}`, value: JSON.stringify({ i }) });
    }
    await kafka.produce(topic, messages);
    const target = await startTarget(refusing({ poison: 500 }));
    const started = Date.now();
    const forwarder = forwardTopic(topic, target, { 'retry-delay': '500ms', 'idle-exit': '3s' });

    // The bound from the retry settings: each refused record waits at most 0.5 + 1 + 2 + 4 s between
    // its attempts (full jitter never exceeds the doubling base), one after another as one key's
    // records are; plus the drain of the rest and the idle exit.
    const boundS = 12 * 7.5 + 60;
    await expectCommittedToEnd(topic, forwarder.exited);
    const tookS = (Date.now() - started) / 1000;

    const delivered = target.deliveries();
    const dead = await deadLetters(topic);
    const duplicates = [...delivered.values()].reduce((sum, n) => sum + n - 1, 0);
    console.log(
      `poison scenario: done in ${tookS.toFixed(1)} s (bound ${boundS} s), ${delivered.size} delivered, ` +
        `${dead.length} dead-lettered, ${duplicates} duplicate deliveries`,
    );
    expect(delivered.size).toBe(6_000);
    expect(dead.map((r) => JSON.parse(r.value!) as unknown)).toEqual(
      messages.filter((m) => m.key === 'poison').map((m) => JSON.parse(m.value as string) as unknown),
    );
    for (const record of dead) {
      expect(record.key).toBe('poison');
      expect(record.headers).toMatchObject({ 'dlq-reason': 'exhausted', 'dlq-status': '500', 'dlq-attempts': '4' });
    }
    expectPerKeyOrder(target.received);
    expect(duplicates).toBe(0);
    expect(tookS).toBeLessThan(boundS);
    expect(forwarder.output()).not.toMatch(/circuit open/);
  }, 300_000);

  it('dead-letters a refused record that is the last of the topic', async () => {
    const topic = await kafka.createTopic('poison-last', 1);
    const messages: Message[] = Array.from({ length: 1_000 }, (_, i) => ({ key: `k${i % 50}`, value: `{"i":${i}}` }));
    messages.push({ key: 'poison', value: '{"last":true}' });
    await kafka.produce(topic, messages);
    const target = await startTarget(refusing({ poison: 500 }));
    const forwarder = forwardTopic(topic, target, { 'retry-delay': '100ms', 'idle-exit': '3s' });

    await expectCommittedToEnd(topic, forwarder.exited);
    expect(target.deliveries().size).toBe(1_000);
    const dead = await deadLetters(topic);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ key: 'poison', value: '{"last":true}' });
    expect(dead[0].headers).toMatchObject({ 'dlq-reason': 'exhausted', 'dlq-attempts': '4' });
  }, 180_000);

  it('dead-letters refused records on several partitions, those answered 400 at once and those answered 500 after their retries', async () => {
    const topic = await kafka.createTopic('poison-parts', 3);
    const messages: Message[] = [];
    for (let i = 0; i < 3_000; i++) {
      messages.push({ key: `k${i % 120}`, value: `{"i":${i}}` });
      // On every partition, records of a key answered 500 and of a key answered 400, spread through it.
      if (i % 300 === 100)
        messages.push({ key: 'refused-500', partition: Math.floor(i / 300) % 3, value: `{"r":${i}}` });
      if (i % 300 === 200)
        messages.push({ key: 'refused-400', partition: (Math.floor(i / 300) + 1) % 3, value: `{"r":${i}}` });
    }
    await kafka.produce(topic, messages);
    const target = await startTarget(refusing({ 'refused-500': 500, 'refused-400': 400 }));
    const forwarder = forwardTopic(topic, target, { 'retry-delay': '200ms', 'idle-exit': '3s' });

    await expectCommittedToEnd(topic, forwarder.exited);
    expect(target.deliveries().size).toBe(3_000);
    expectPerKeyOrder(target.received);
    const dead = await deadLetters(topic);
    const reasons = (key: string) => dead.filter((r) => r.key === key).map((r) => r.headers['dlq-reason']);
    expect(reasons('refused-500')).toEqual(Array<string>(10).fill('exhausted'));
    expect(reasons('refused-400')).toEqual(Array<string>(10).fill('rejected'));
    expect(new Set(dead.map((r) => r.headers['dlq-original-partition']))).toEqual(new Set(['0', '1', '2']));
    expect(forwarder.output()).not.toMatch(/circuit open/);
  }, 240_000);

  it('on a quiet topic holds a lone failing record, names it on the progress line and in a metric, and stays ready', async () => {
    const topic = await kafka.createTopic('poison-quiet', 1);
    await kafka.produce(topic, [{ key: 'lonely', value: '{"alone":true}' }]);
    const target = await startTarget(() => ({ status: 500 }));
    const healthPort = await freePort();
    const forwarder = forwardTopic(topic, target, {
      'retry-delay': '100ms',
      'retry-max-delay': '500ms',
      'stats-interval': 1,
      'health-port': healthPort,
      'idle-exit': '2s',
    });

    // Alone, nothing tells a refused record from an outage: it is held, never dead-lettered, and said.
    await waitFor(
      'the progress line to name the oldest record',
      async () =>
        // The log line is JSON when stderr is not a terminal: the key's quotes arrive escaped.
        /oldest pending \d+s: partition 0 offset 0 key \\?"lonely\\?", \d+ attempt\(s\), last HTTP 500 \(held/.test(
          forwarder.output(),
        ),
      60_000,
      250,
    );
    const age = /kafka_gateway_forwarder_oldest_pending_seconds(?:\{[^}]*\})? ([\d.]+)/.exec(
      await forwarderMetrics(healthPort),
    );
    expect(Number(age?.[1])).toBeGreaterThanOrEqual(10);
    expect((await getJson(`http://127.0.0.1:${healthPort}/health/ready`)).status).toBe(200);
    expect(await deadLetters(topic)).toEqual([]);

    target.answerWith(() => ({ status: 200 }));
    await expectCommittedToEnd(topic, forwarder.exited);
    expect(target.deliveries().size).toBe(1);
  }, 120_000);
});
