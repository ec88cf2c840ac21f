import { getJson, postJson } from '../support/http';
import { startIngress, stopAll } from '../support/processes';

describe('POST /webhook-simulator', () => {
  afterAll(stopAll);

  it('answers processed with timing, and counts what it answered', async () => {
    const ingress = await startIngress({ KAFKA_BROKERS: '127.0.0.1:1', SIMULATOR_SEED: '7' });
    const response = await postJson(`${ingress.url}/webhook-simulator?minDelayMs=0&maxDelayMs=0&failRate=0`, {
      hello: 'world',
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      status: 'processed',
      message: expect.any(String),
      processing_time_ms: expect.any(Number),
      received_at: expect.any(String),
    });
    const stats = await getJson(`${ingress.url}/webhook-simulator/stats`);
    expect(stats.body).toMatchObject({ received: 1, by_status: { '200': 1 } });
  });

  it('delays within the requested range', async () => {
    const ingress = await startIngress({ KAFKA_BROKERS: '127.0.0.1:1' });
    const response = await postJson(`${ingress.url}/webhook-simulator?minDelayMs=300&maxDelayMs=400&failRate=0`, {});
    expect(response.status).toBe(200);
    expect(response.ms).toBeGreaterThanOrEqual(295);
    expect(response.body.processing_time_ms).toBeGreaterThanOrEqual(300);
  });

  it('repeats the same outcomes for the same seed, in roughly the configured proportions', async () => {
    const outcomes = async () => {
      const ingress = await startIngress({
        KAFKA_BROKERS: '127.0.0.1:1',
        SIMULATOR_SEED: '1234',
        SIMULATOR_MIN_DELAY_MS: '0',
        SIMULATOR_MAX_DELAY_MS: '0',
      });
      const statuses: number[] = [];
      for (let i = 0; i < 400; i++) statuses.push((await postJson(`${ingress.url}/webhook-simulator`, { i })).status);
      await ingress.stop();
      return statuses;
    };
    const first = await outcomes();
    expect(await outcomes()).toEqual(first);
    const count = (s: number) => first.filter((x) => x === s).length;
    expect(count(200)).toBeGreaterThan(300);
    expect(count(500) + count(400) + count(503)).toBeGreaterThan(10);
    expect(new Set(first)).toEqual(new Set([200, 400, 500, 503]));
  });

  it('answers 503 with Retry-After when failing that way', async () => {
    const ingress = await startIngress({
      KAFKA_BROKERS: '127.0.0.1:1',
      SIMULATOR_FAIL_500_RATE: '0',
      SIMULATOR_FAIL_400_RATE: '0',
      SIMULATOR_FAIL_503_RATE: '1',
    });
    const response = await postJson(`${ingress.url}/webhook-simulator?minDelayMs=0&maxDelayMs=0`, {});
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
  });

  it('answers invalid JSON with 400', async () => {
    const ingress = await startIngress({ KAFKA_BROKERS: '127.0.0.1:1' });
    const response = await postJson(`${ingress.url}/webhook-simulator`, '{nope', { raw: true });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('INVALID_JSON');
  });

  it('rejects bad overrides with 400', async () => {
    const ingress = await startIngress({ KAFKA_BROKERS: '127.0.0.1:1' });
    const response = await postJson(`${ingress.url}/webhook-simulator?failRate=2`, {});
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual([{ field: 'failRate', message: 'failRate must be a number from 0 to 1' }]);
  });

  it('is gone when SIMULATOR_ENABLED=false', async () => {
    const ingress = await startIngress({ KAFKA_BROKERS: '127.0.0.1:1', SIMULATOR_ENABLED: 'false' });
    expect((await postJson(`${ingress.url}/webhook-simulator`, {})).status).toBe(404);
    expect((await getJson(`${ingress.url}/webhook-simulator/stats`)).status).toBe(404);
  });
});
