import { postJson } from '../support/http';
import { testBrokers } from '../support/kafka-admin';
import { freePort, spawnApp, startIngress, stopAll, waitFor, type AppProcess } from '../support/processes';

const KEY = 'first-hour-key-0123456789';

describe('the ingress, in the details', () => {
  let ingress: AppProcess;

  beforeAll(async () => {
    ingress = await startIngress({
      KAFKA_BROKERS: testBrokers(),
      INGRESS_API_KEYS: KEY,
      INGRESS_PUBLIC_DOCS: 'false',
      INGRESS_MAX_BODY_BYTES: '1024',
    });
  });

  afterAll(stopAll);

  it('counts requests refused while their body is read under their route in /metrics', async () => {
    const auth = { 'x-api-key': KEY };
    expect((await postJson(`${ingress.url}/produce`, '{"topic":', { raw: true, headers: auth })).status).toBe(400);
    expect(
      (await postJson(`${ingress.url}/produce`, { topic: 't', payload: 'x'.repeat(2048) }, { headers: auth })).status,
    ).toBe(413);
    expect(
      (
        await fetch(`${ingress.url}/produce`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'text/plain' },
          body: 'x',
        })
      ).status,
    ).toBe(415);
    expect((await fetch(`${ingress.url}/no-such-route`, { headers: auth })).status).toBe(404);
    const metrics = await (await fetch(`${ingress.url}/metrics`)).text();
    for (const status of ['400', '413', '415'])
      expect(metrics).toContain(
        `kafka_gateway_http_requests_total{method="POST",route="/produce",status="${status}",app="ingress"} 1`,
      );
    expect(metrics).not.toMatch(/route="unmatched",status="41[35]"/);
    // Made-up paths still cannot grow the label set.
    expect(metrics).toContain(
      'kafka_gateway_http_requests_total{method="GET",route="unmatched",status="404",app="ingress"} 1',
    );
  });

  it('serves /docs with the security headers and X-Request-Id of every route, and behind the API key when docs are not public', async () => {
    const refused = await fetch(`${ingress.url}/docs`);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ success: false, code: 'UNAUTHORIZED' });
    for (const path of ['/docs', '/openapi.json']) {
      const response = await fetch(`${ingress.url}${path}`, {
        headers: { 'x-api-key': KEY, 'x-request-id': 'docs-1' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toBe('docs-1');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    }
  });
});

describe('startup lines', () => {
  afterAll(stopAll);

  it('name the address the ingress and the forwarder health port are really bound to', async () => {
    const port = await freePort();
    const ingress = spawnApp('ingress', [], { PORT: String(port), KAFKA_BROKERS: testBrokers(), LOG_LEVEL: 'log' });
    await waitFor('the startup line', async () => /Listening on/.test(ingress.output()), 30_000);
    expect(ingress.output()).toContain(
      `Listening on http://0.0.0.0:${port} (every interface; http://127.0.0.1:${port} from this machine)`,
    );
    const local = await freePort();
    const loopback = spawnApp('ingress', [], {
      HOST: '127.0.0.1',
      PORT: String(local),
      KAFKA_BROKERS: testBrokers(),
      LOG_LEVEL: 'log',
    });
    await waitFor('the startup line', async () => /Listening on/.test(loopback.output()), 30_000);
    expect(loopback.output()).toContain(`Listening on http://127.0.0.1:${local} (docs at /docs`);

    const healthPort = await freePort();
    const forwarder = spawnApp(
      'forwarder',
      [
        'forward',
        '--topic',
        't',
        '--target-url',
        'http://127.0.0.1:9/',
        '--brokers',
        testBrokers(),
        '--health-port',
        String(healthPort),
      ],
      { LOG_LEVEL: 'log' },
    );
    await waitFor('the health line', async () => /Health and metrics on/.test(forwarder.output()), 30_000);
    expect(forwarder.output()).toContain(
      `Health and metrics on http://0.0.0.0:${healthPort} (every interface; http://127.0.0.1:${healthPort} from this machine): /health, /metrics`,
    );
    for (const app of [ingress, loopback, forwarder]) expect(await app.stop('SIGTERM')).toBe(0);
  });
});
