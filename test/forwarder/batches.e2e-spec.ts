import { forwarderSuite, forwardTopic, numberedRecords } from '../support/forwarder-run';
import { readAll } from '../support/kcat';

describe('forward in batches (--batch-max)', () => {
  const { brokers, kafka, startTarget } = forwarderSuite();

  it('delivers full batches of 100 as JSON arrays, each record once, in per-key order', async () => {
    const topic = await kafka.createTopic('batches', 2);
    // Enough keys for full batches: a batch holds at most one record of each key.
    await kafka.produce(topic, numberedRecords(4_000, 1_000));
    const target = await startTarget(() => ({ status: 200, delayMs: 5 }));
    const forwarder = forwardTopic(topic, target, { 'batch-max': 100, 'idle-exit': '3s' });
    expect(await forwarder.exited).toBe(0);

    const delivered = target.deliveries();
    expect(delivered.size).toBe(4_000);
    expect([...delivered.values()].every((n) => n === 1)).toBe(true);
    const sizes = target.received.map((r) => r.records.length);
    expect(Math.max(...sizes)).toBe(100);
    expect(target.received.length).toBeLessThan(4_000 / 10);
    for (const request of target.received) {
      // One partition per batch, in offset order, and one id for the whole of it.
      expect(new Set(request.records.map((r) => r.partition)).size).toBe(1);
      const offsets = request.records.map((r) => r.offset);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      expect(request.headers['webhook-id']).toBe(
        offsets.length === 1
          ? `${topic}-${request.partition}-${offsets[0]}`
          : `${topic}-${request.partition}-${offsets[0]}-${offsets.at(-1)}`,
      );
    }
    const lastOffset = new Map<string, number>();
    for (const r of target.received.flatMap((request) => request.records)) {
      const lane = `${r.partition}/${r.key}`;
      expect(r.offset).toBeGreaterThan(lastOffset.get(lane) ?? -1);
      lastOffset.set(lane, r.offset);
    }
    expect(await kafka.committedOffsets(`${topic}-g`, topic)).toEqual(await kafka.endOffsets(topic));
    console.log(`batches: 4000 records in ${target.received.length} requests, largest ${Math.max(...sizes)}`);
  }, 180_000);

  it('dead-letters exactly the 3 records of 1 000 that the receiver refuses, and delivers the rest', async () => {
    const topic = await kafka.createTopic('batches-refused', 1);
    await kafka.produce(topic, numberedRecords(1_000, 100));
    const refused = new Set([17, 480, 999]);
    const target = await startTarget((request) => ({
      status: request.records.some((r) => refused.has(r.offset)) ? 422 : 200,
    }));
    const forwarder = forwardTopic(topic, target, { 'batch-max': 100, 'idle-exit': '3s' });
    expect(await forwarder.exited).toBe(0);

    expect(target.deliveries().size).toBe(997);
    const dead = await readAll(brokers, `${topic}.dlq`);
    expect(dead.map((r) => Number(r.headers['dlq-original-offset'])).sort((a, b) => a - b)).toEqual([17, 480, 999]);
    expect(dead.every((r) => r.headers['dlq-reason'] === 'rejected' && r.headers['dlq-status'] === '422')).toBe(true);
    expect(await kafka.committedOffsets(`${topic}-g`, topic)).toEqual(await kafka.endOffsets(topic));
  }, 180_000);
});
