import { readAt } from '../support/kcat';
import { getJson, postJson } from '../support/http';
import { freePort, startIngress, waitFor } from '../support/processes';
import { forwarderSuite, forwardTopic, forwarderMetrics } from '../support/forwarder-run';
import { sample } from '../../scripts/shared/metrics';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

describe('metrics, logs and trace context', () => {
  const { brokers, kafka, startTarget } = forwarderSuite();

  it('exposes the ingress metrics in Prometheus format', async () => {
    const topic = await kafka.createTopic('metrics', 2);
    const ingress = await startIngress({ KAFKA_BROKERS: brokers });
    for (let i = 0; i < 5; i++)
      expect((await postJson(`${ingress.url}/produce`, { topic, payload: i })).status).toBe(200);
    await postJson(`${ingress.url}/produce`, { topic: 'no-such-topic', payload: 1 });
    await fetch(`${ingress.url}/made/up/path`);

    const response = await fetch(`${ingress.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    const metrics = await response.text();
    expect(
      sample(metrics, 'kafka_gateway_http_requests_total', { method: 'POST', route: '/produce', status: '200' }),
    ).toBe(5);
    expect(sample(metrics, 'kafka_gateway_http_requests_total', { route: '/produce', status: '404' })).toBe(1);
    expect(sample(metrics, 'kafka_gateway_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
    expect(
      sample(metrics, 'kafka_gateway_http_request_duration_seconds_count', { route: '/produce', status: '200' }),
    ).toBe(5);
    expect(sample(metrics, 'kafka_gateway_produced_records_total', { topic })).toBe(5);
    expect(sample(metrics, 'kafka_gateway_produce_batch_records_count')).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'kafka_gateway_produce_batch_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'kafka_gateway_producer_connected')).toBe(1);
    expect(sample(metrics, 'kafka_gateway_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('counts Kafka errors', async () => {
    const ingress = await startIngress({ KAFKA_BROKERS: '127.0.0.1:1' });
    expect((await postJson(`${ingress.url}/produce`, { topic: 'any', payload: 1 })).status).toBe(503);
    const metrics = await (await fetch(`${ingress.url}/metrics`)).text();
    expect(sample(metrics, 'kafka_gateway_kafka_errors_total', { error: 'unavailable' })).toBe(1);
    expect(sample(metrics, 'kafka_gateway_producer_connected')).toBe(0);
  });

  it('logs JSON lines with the request id, without payloads or credentials', async () => {
    const topic = await kafka.createTopic('logs', 1);
    const ingress = await startIngress({
      KAFKA_BROKERS: brokers,
      LOG_LEVEL: 'log',
      INGRESS_ACCESS_LOG: 'true',
      INGRESS_API_KEYS: 'a-very-secret-key-123',
    });
    const response = await postJson(
      `${ingress.url}/produce`,
      { topic, payload: { card: 'SECRET-PAYLOAD-4111' } },
      { headers: { 'x-request-id': 'req-abc-123', authorization: 'Bearer a-very-secret-key-123' } },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req-abc-123');
    const generated = await postJson(
      `${ingress.url}/produce`,
      { topic, payload: 1 },
      { headers: { authorization: 'Bearer a-very-secret-key-123' } },
    );
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const lines = await waitFor('the access log line', async () => {
      const parsed = ingress
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      return parsed.some((l) => l.reqId === 'req-abc-123') ? parsed : undefined;
    });
    const access = lines.find((l) => l.reqId === 'req-abc-123')!;
    expect(access).toMatchObject({
      level: 30,
      app: 'ingress',
      reqId: 'req-abc-123',
      req: { method: 'POST', url: '/produce' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    });
    expect(ingress.output()).not.toContain('SECRET-PAYLOAD');
    expect(ingress.output()).not.toContain('a-very-secret-key-123');
  });

  it('carries W3C trace context from the HTTP request into the record and on to the target', async () => {
    const topic = await kafka.createTopic('traced', 1);
    const ingress = await startIngress({ KAFKA_BROKERS: brokers });
    const traced = await postJson(
      `${ingress.url}/produce`,
      { topic, key: 'a', payload: 'traced' },
      { headers: { traceparent: TRACEPARENT, tracestate: 'vendor=x' } },
    );
    const untraced = await postJson(`${ingress.url}/produce`, { topic, key: 'b', payload: 'untraced' });
    const record = await readAt(brokers, topic, traced.body.partition, traced.body.offset);
    expect(record?.headers.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    expect(record?.headers.traceparent).not.toBe(TRACEPARENT);
    expect(record?.headers.tracestate).toBe('vendor=x');
    const fresh = (await readAt(brokers, topic, untraced.body.partition, untraced.body.offset))?.headers.traceparent;
    expect(fresh).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const target = await startTarget();
    const forwarder = forwardTopic(topic, target, { 'idle-exit': '1s', ordering: 'partition' });
    expect(await forwarder.exited).toBe(0);
    const [first, second] = target.received;
    expect(first.headers.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    expect(first.headers.traceparent).not.toBe(record?.headers.traceparent);
    expect(first.headers.tracestate).toBe('vendor=x');
    expect(second.headers.traceparent).toMatch(new RegExp(`^00-${fresh!.slice(3, 35)}-`));
  });

  it('exposes the forwarder metrics on --health-port', async () => {
    const topic = await kafka.createTopic('fwd-metrics', 2);
    await kafka.produce(topic, [
      { key: 'ok', value: '"a"' },
      { key: 'ok', value: '"b"' },
      { key: 'flaky', value: '"c"' },
      { key: 'bad', value: '"d"' },
    ]);
    const seen = new Set<string>();
    const target = await startTarget((r) => {
      if (r.key === 'bad') return { status: 400 };
      if (r.key === 'flaky' && !seen.has('flaky')) {
        seen.add('flaky');
        return { status: 500 };
      }
      return { status: 200 };
    });
    const port = await freePort();
    const forwarder = forwardTopic(topic, target, { 'health-port': port, 'retry-delay': '10ms' });
    const metrics = await waitFor(
      'the forwarder to finish the four records',
      async () => {
        const text = await forwarderMetrics(port);
        return sample(text, 'kafka_gateway_forwarder_deliveries_total', { outcome: 'delivered' }) === 3 &&
          sample(text, 'kafka_gateway_forwarder_consumer_lag', { partition: '0' }) === 0 &&
          sample(text, 'kafka_gateway_forwarder_consumer_lag', { partition: '1' }) === 0
          ? text
          : undefined;
      },
      60_000,
      500,
    );
    expect(sample(metrics, 'kafka_gateway_forwarder_deliveries_total', { outcome: 'dead_lettered' })).toBe(1);
    expect(sample(metrics, 'kafka_gateway_forwarder_dead_letters_total', { reason: 'rejected' })).toBe(1);
    expect(sample(metrics, 'kafka_gateway_forwarder_retries_total')).toBe(1);
    expect(sample(metrics, 'kafka_gateway_forwarder_delivery_attempts_total', { result: '500' })).toBe(1);
    expect(sample(metrics, 'kafka_gateway_forwarder_delivery_attempts_total', { result: '200' })).toBe(3);
    expect(sample(metrics, 'kafka_gateway_forwarder_delivery_duration_seconds_count')).toBe(3);
    expect(sample(metrics, 'kafka_gateway_forwarder_in_flight_deliveries')).toBe(0);
    expect(sample(metrics, 'kafka_gateway_forwarder_circuit_state', { state: 'closed' })).toBe(1);
    expect(sample(metrics, 'kafka_gateway_forwarder_circuit_state', { state: 'open' })).toBe(0);
    expect((await getJson(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect(await forwarder.stop('SIGTERM')).toBe(0);
  });
});
