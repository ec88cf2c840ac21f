import { Registry } from 'prom-client';
import { ForwardStats } from './forward-stats';

/** The value of one series in the Prometheus text, or undefined when it is not there. */
function series(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`kafka_gateway_forwarder_${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

describe('ForwardStats metrics', () => {
  it('shows every attempt and delivery at each scrape, counted once however often it is scraped', async () => {
    const registry = new Registry();
    const stats = new ForwardStats(registry);
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
});
