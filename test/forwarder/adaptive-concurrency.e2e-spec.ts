import { readAll } from '../support/kcat';
import { forwarderSuite, forwardTopic, forwarderMetrics } from '../support/forwarder-run';
import { freePort, waitFor } from '../support/processes';
import { sample } from '../../scripts/shared/metrics';

const randomKeys = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ key: `k-${(i * 7919) % 1000}`, value: JSON.stringify({ seq: i }) }));

/**
 * `--workers auto` (the default) against real HTTP targets: it finds a small target's capacity
 * without losing records to it, and opens up for a slow one.
 */
describe('forward --workers auto', () => {
  const { brokers, kafka, startTarget } = forwarderSuite();

  it('delivers everything to a target that answers 503 beyond 8 requests in flight, dead-letters nothing, and settles near 8', async () => {
    const records = 3_000;
    const topic = await kafka.createTopic('saturated', 6);
    await kafka.produce(topic, randomKeys(records));
    const target = await startTarget((_request, inFlight) =>
      inFlight > 8 ? { status: 503, headers: { 'retry-after': '0' } } : { status: 200, delayMs: 20 },
    );
    const port = await freePort();
    // Defaults throughout (--workers auto, --retries 3), as a user would start it.
    const forwarder = forwardTopic(topic, target, { 'health-port': port, 'stats-interval': 1 });
    const metrics = await waitFor(
      'every record to be delivered',
      async () => {
        const text = await forwarderMetrics(port);
        return target.deliveries().size === records ? text : undefined;
      },
      120_000,
      500,
    );
    const limit = sample(metrics, 'kafka_gateway_forwarder_concurrency_limit')!;
    expect(limit).toBeGreaterThanOrEqual(5);
    expect(limit).toBeLessThanOrEqual(12);
    expect(await forwarder.stop('SIGTERM')).toBe(0);

    expect(await readAll(brokers, `${topic}.dlq`)).toEqual([]);
    expect(forwarder.output()).toMatch(/in flight \d+ \(limit \d+\)/);
    expect(forwarder.output()).toMatch(/dead-lettered 0 \(0 rejected, 0 retries exhausted\)/);
    // Refusals are there (the limiter had to find the capacity), but few once it has.
    const refused = target.received.filter((r) => r.status === 503).length;
    expect(refused).toBeGreaterThan(0);
    const late = target.received.slice(target.received.length / 2);
    expect(late.filter((r) => r.status === 503).length / late.length).toBeLessThan(0.05);
  });

  it('keeps many more requests in flight than the old fixed 16 when the target is slow but has room', async () => {
    const records = 1_500;
    const topic = await kafka.createTopic('slow', 6);
    await kafka.produce(topic, randomKeys(records));
    const target = await startTarget(() => ({ status: 200, delayMs: 300 }));
    const forwarder = forwardTopic(topic, target, { 'idle-exit': '2s' });
    expect(await forwarder.exited).toBe(0);
    expect(target.deliveries().size).toBe(records);
    expect(target.maxInFlight).toBeGreaterThanOrEqual(64);
  });

  it('never exceeds a fixed --workers', async () => {
    const topic = await kafka.createTopic('fixed', 6);
    await kafka.produce(topic, randomKeys(300));
    const target = await startTarget(() => ({ status: 200, delayMs: 20 }));
    const forwarder = forwardTopic(topic, target, { workers: 4, 'idle-exit': '2s' });
    expect(await forwarder.exited).toBe(0);
    expect(target.deliveries().size).toBe(300);
    expect(target.maxInFlight).toBe(4);
  });
});
