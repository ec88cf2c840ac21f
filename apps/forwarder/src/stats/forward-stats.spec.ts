import { Registry } from 'prom-client';
import { ForwardMetrics } from './forward-metrics';
import { ForwardStats } from './forward-stats';

/** The value of one series in the Prometheus text, or undefined when it is not there. */
function series(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`kafka_gateway_forwarder_${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

describe('ForwardStats metrics', () => {
  it('shows every attempt and delivery at each scrape, counted once however often it is scraped', async () => {
    const registry = new Registry();
    const stats = new ForwardStats();
    new ForwardMetrics(registry, stats);
    expect(series(await registry.metrics(), 'delivery_attempts_total', 'result="200"')).toBeUndefined();

    for (let i = 0; i < 3; i++) stats.attempt(200);
    stats.attempt('timeout');
    stats.recordDelivery(5);
    stats.recordDelivery(7);
    stats.recordDeadLetter('rejected');
    let text = await registry.metrics();
    expect(series(text, 'delivery_attempts_total', 'result="200"')).toBe(3);
    expect(series(text, 'delivery_attempts_total', 'result="timeout"')).toBe(1);
    expect(series(text, 'deliveries_total', 'outcome="delivered"')).toBe(2);
    expect(series(text, 'deliveries_total', 'outcome="dead_lettered"')).toBe(1);

    text = await registry.metrics();
    expect(series(text, 'delivery_attempts_total', 'result="200"')).toBe(3);
    expect(series(text, 'deliveries_total', 'outcome="delivered"')).toBe(2);

    stats.attempt(200);
    stats.attempt(503);
    stats.recordDelivery(1);
    text = await registry.metrics();
    expect(series(text, 'delivery_attempts_total', 'result="200"')).toBe(4);
    expect(series(text, 'delivery_attempts_total', 'result="503"')).toBe(1);
    expect(series(text, 'delivery_attempts_total', 'result="timeout"')).toBe(1);
    expect(series(text, 'deliveries_total', 'outcome="delivered"')).toBe(3);
    expect(stats.delivered).toBe(3);
  });

  it('shows dead letters by reason, retries, failed dead-letter writes and the oldest pending record', async () => {
    const registry = new Registry();
    const stats = new ForwardStats();
    new ForwardMetrics(registry, stats);
    stats.recordDeadLetter('exhausted');
    stats.recordDeadLetter('exhausted');
    stats.retried();
    stats.recordDeadLetterFailure();
    stats.attach({
      inFlight: () => 1,
      lag: () => new Map([[0, 3n]]),
      circuit: () => 'closed',
      concurrency: () => ({ inFlight: 1, limit: 4 }),
      waitingForKafka: () => undefined,
      oldestPending: () => ({ partition: 0, offset: 5n, ageMs: 12_500 }),
      filtered: () => undefined,
    });
    const text = await registry.metrics();
    expect(series(text, 'dead_letters_total', 'reason="exhausted"')).toBe(2);
    expect(text).toMatch(/^kafka_gateway_forwarder_retries_total 1$/m);
    expect(text).toMatch(/^kafka_gateway_forwarder_dead_letter_write_failures_total 1$/m);
    expect(text).toMatch(/^kafka_gateway_forwarder_oldest_pending_seconds 12\.5$/m);
    expect(series(text, 'consumer_lag', 'partition="0"')).toBe(3);
  });
});
