import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sample } from '../../scripts/shared/metrics';
import {
  forwarderMetrics,
  forwarderSuite,
  forwardTopic,
  numberedRecords,
  waitForDeliveries,
} from '../support/forwarder-run';
import { freePort, waitFor } from '../support/processes';

const CLIENT_ID = 'forwarder-e2e';

/** A client-credentials token endpoint: 60 s tokens, for CLIENT_ID and the secret only; it can be made to fail. */
class TokenEndpoint {
  readonly issued: string[] = [];
  readonly forms: URLSearchParams[] = [];
  failing = false;
  private server?: Server;

  constructor(private readonly secret: string) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/oauth/token`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        this.forms.push(form);
        // RFC 6749 2.3.1: id and secret are form-encoded before they are joined and base64-encoded.
        const [id, secret] = Buffer.from(String(req.headers.authorization).replace(/^Basic /, ''), 'base64')
          .toString()
          .split(':')
          .map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
        const reply = (status: number, json: object) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(json));
        };
        if (this.failing) return reply(503, { error: 'temporarily_unavailable' });
        if (id !== CLIENT_ID || secret !== this.secret || form.get('grant_type') !== 'client_credentials')
          return reply(401, { error: 'invalid_client' });
        const token = `tok-${this.issued.length + 1}-${randomBytes(8).toString('hex')}`;
        this.issued.push(token);
        reply(200, { access_token: token, token_type: 'Bearer', expires_in: 60 });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('forward --oauth2-*: client-credentials bearer tokens', () => {
  const { kafka, startTarget } = forwarderSuite();
  const secret = randomBytes(18).toString('base64url');
  let endpoint: TokenEndpoint;
  beforeEach(async () => (endpoint = await new TokenEndpoint(secret).start()));
  afterEach(() => endpoint.stop());

  /** A receiver that takes the endpoint's tokens, except those revoked. */
  const receiver = (revoked: Set<string>) =>
    startTarget((request) => {
      const token = /^Bearer (.+)$/.exec(String(request.headers.authorization))?.[1];
      return { status: token && endpoint.issued.includes(token) && !revoked.has(token) ? 200 : 401 };
    });

  it('asks for one token under load, renews once after a 401, and never logs the secret or a token', async () => {
    const topic = await kafka.createTopic('oauth2', 3);
    await kafka.produce(topic, numberedRecords(2_000, 50));
    const revoked = new Set<string>();
    const target = await receiver(revoked);
    const healthPort = await freePort();
    const forwarder = forwardTopic(
      topic,
      target,
      {
        'oauth2-token-url': endpoint.url,
        'oauth2-client-id': CLIENT_ID,
        'oauth2-scope': 'events:write',
        'oauth2-audience': 'https://receiver.example',
        'health-port': healthPort,
      },
      { FORWARDER_OAUTH2_CLIENT_SECRET: secret },
    );
    await waitForDeliveries(target, 2_000, forwarder);
    expect(endpoint.issued).toHaveLength(1);
    expect(endpoint.forms[0].get('scope')).toBe('events:write');
    expect(endpoint.forms[0].get('audience')).toBe('https://receiver.example');
    expect(target.received.every((r) => r.status === 200)).toBe(true);

    // The receiver stops taking the token: the next records cost one renewal, and no record a retry.
    revoked.add(endpoint.issued[0]);
    await kafka.produce(
      topic,
      numberedRecords(500, 20).map((m, i) => ({ ...m, value: JSON.stringify({ i: 2_000 + i }) })),
    );
    await waitForDeliveries(target, 2_500, forwarder);
    const metrics = await forwarderMetrics(healthPort);
    expect(await forwarder.stop()).toBe(0);
    expect(endpoint.issued).toHaveLength(2);
    expect(sample(metrics, 'kafka_gateway_forwarder_oauth2_token_requests_total', { result: 'ok' })).toBe(2);
    expect(sample(metrics, 'kafka_gateway_forwarder_retries_total')).toBe(0);
    expect(await kafka.recordCount(`${topic}.dlq`)).toBe(0);
    for (const hidden of [secret, ...endpoint.issued]) expect(forwarder.output()).not.toContain(hidden);
  });

  it('holds the records while the token endpoint fails, and delivers them when it answers', async () => {
    const topic = await kafka.createTopic('oauth2-down', 1);
    await kafka.produce(topic, numberedRecords(20, 4));
    endpoint.failing = true;
    const target = await receiver(new Set());
    const dir = mkdtempSync(join(tmpdir(), 'oauth2-'));
    writeFileSync(join(dir, 'secret'), `${secret}\n`);
    const forwarder = forwardTopic(topic, target, {
      'oauth2-token-url': endpoint.url,
      'oauth2-client-id': CLIENT_ID,
      'oauth2-client-secret-file': join(dir, 'secret'),
      retries: 1,
      'retry-delay': '100ms',
      'retry-max-delay': '500ms',
      'circuit-cooldown': '1s',
    });
    await waitForOutput(forwarder, /The OAuth2 token endpoint failed \(HTTP 503\)/);
    // Well past the 2 attempts a record has: none may be dead-lettered for the endpoint's outage.
    await waitFor('the token endpoint asked 5 times', async () => endpoint.forms.length >= 5);
    expect(target.received).toHaveLength(0);
    endpoint.failing = false;
    await waitForDeliveries(target, 20, forwarder);
    expect(await forwarder.stop()).toBe(0);
    expect(await kafka.recordCount(`${topic}.dlq`)).toBe(0);
    expect(forwarder.output()).not.toContain(secret);
  });
});

async function waitForOutput(forwarder: { output(): string }, line: RegExp): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!line.test(forwarder.output())) {
    if (Date.now() > deadline) throw new Error(`no ${line} in:\n${forwarder.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
