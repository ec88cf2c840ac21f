import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { spawnApp } from '../support/processes';
import { forwarderSuite, forwardTopic } from '../support/forwarder-run';
import { TestTarget, type Received } from '../support/target';

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
const RECORDS = 20;
const RETRIED_SEQ = 7;

function verify(key: string, request: Pick<Received, 'body' | 'headers'>, body = request.body): unknown {
  const headers = request.headers as IncomingHttpHeaders & Record<string, string>;
  return new Webhook(key).verify(body, {
    'webhook-id': headers['webhook-id'],
    'webhook-timestamp': headers['webhook-timestamp'],
    'webhook-signature': headers['webhook-signature'],
  });
}

describe('forward --signing-secret: Standard Webhooks signatures', () => {
  const { kafka, startTarget } = forwarderSuite();

  it('signs every attempt, retries included, with each secret, verified by the standardwebhooks package', async () => {
    const topic = await kafka.createTopic('signed', 2);
    await kafka.produce(
      topic,
      Array.from({ length: RECORDS }, (_, i) => ({
        key: `k-${i % 4}`,
        value: i % 5 === 4 ? `plain text ✓ ${i}` : JSON.stringify({ seq: i, note: 'crème brûlée — 東京' }),
        headers: { 'x-seq': String(i) },
      })),
    );
    const [retiring, current] = [secret(), secret()];
    let failedOnce = false;
    const target = await startTarget((request) => {
      if (request.recordHeaders['x-seq'] === String(RETRIED_SEQ) && !failedOnce) {
        failedOnce = true;
        // Retry-After 2 s: the retry is made in a later second, so its timestamp must differ.
        return { status: 503, headers: { 'retry-after': '2' } };
      }
      return { status: 200 };
    });

    const forwarder = forwardTopic(topic, target, {
      'signing-secret': [retiring, current],
      'retry-delay': '100ms',
      'retry-max-delay': '5s',
      'idle-exit': '2s',
      'stats-interval': 1,
    });
    expect(await forwarder.exited).toBe(0);

    expect(target.deliveries().size).toBe(RECORDS);
    // The receiver knows only the new secret (rotation): every request verifies, body as sent.
    for (const request of target.received) {
      expect(request.headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
      expect(() => verify(current, request)).not.toThrow();
      expect(() => verify(retiring, request)).not.toThrow();
      expect(() => verify(secret(), request)).toThrow(/No matching signature/);
    }

    const attempts = target.received.filter((r) => r.recordHeaders['x-seq'] === String(RETRIED_SEQ));
    expect(attempts.map((a) => a.status)).toEqual([503, 200]);
    expect(attempts[1].headers['webhook-id']).toBe(attempts[0].headers['webhook-id']);
    expect(Number(attempts[1].headers['webhook-timestamp'])).toBeGreaterThan(
      Number(attempts[0].headers['webhook-timestamp']),
    );
    expect(attempts[1].headers['webhook-signature']).not.toBe(attempts[0].headers['webhook-signature']);

    // One byte changed in the body: verification fails.
    const sample = target.received.find((r) => r.body.includes('東京'))!;
    const index = sample.body.indexOf('"seq":') + 6;
    const tampered =
      sample.body.slice(0, index) + (sample.body[index] === '9' ? '8' : '9') + sample.body.slice(index + 1);
    expect(Buffer.byteLength(tampered)).toBe(Buffer.byteLength(sample.body));
    expect(() => verify(current, sample, tampered)).toThrow(/No matching signature/);

    // The secrets never reach the logs.
    for (const s of [retiring, current]) expect(forwarder.output()).not.toContain(s.slice('whsec_'.length));
  });

  it('sends no signature without a secret', async () => {
    const topic = await kafka.createTopic('unsigned', 1);
    await kafka.produce(topic, [{ key: 'a', value: '{"a":1}' }]);
    const plain = await new TestTarget().start();
    try {
      const forwarder = forwardTopic(topic, plain, { 'idle-exit': '2s' });
      expect(await forwarder.exited).toBe(0);
      expect(plain.received).toHaveLength(1);
      expect(plain.received[0].headers['webhook-signature']).toBeUndefined();
    } finally {
      await plain.stop();
    }
  });

  describe('a bad secret', () => {
    const run = async (args: string[], env: Record<string, string> = {}) => {
      const app = spawnApp(
        'forwarder',
        ['forward', '--topic', 't', '--target-url', 'http://127.0.0.1:9/', ...args],
        env,
      );
      return { code: await app.exited, output: app.output().trim() };
    };

    it.each([
      [
        'no whsec_ prefix',
        'c2VjcmV0LXdpdGhvdXQtcHJlZml4LTEyMzQ1Njc4',
        /^error: option '--signing-secret <secret>' is invalid \(secret 1 of 1\)\. A signing secret must look like whsec_<base64 key>\.$/,
      ],
      [
        'not base64',
        'whsec_%%%not-base64%%%',
        /^error: option '--signing-secret <secret>' is invalid \(secret 1 of 1\)\. A signing secret must look like whsec_<base64 key>\.$/,
      ],
      [
        'a 16-byte key',
        `whsec_${Buffer.from('sixteen-bytes-ok').toString('base64')}`,
        /^error: option '--signing-secret <secret>' is invalid \(secret 1 of 1\)\. A signing secret's key must be at least 24 bytes \(it has 16\)\.$/,
      ],
    ])('with %s exits 2 with one line that does not echo it', async (_case, bad, line) => {
      const result = await run(['--signing-secret', bad]);
      expect(result.code).toBe(2);
      expect(result.output).toMatch(line);
      expect(result.output).not.toContain(bad.replace('whsec_', ''));
    });

    it('in FORWARDER_SIGNING_SECRETS exits 1, naming the variable and which secret, not the secret', async () => {
      const good = secret();
      const bad = `whsec_${Buffer.from('short').toString('base64')}`;
      const result = await run([], { FORWARDER_SIGNING_SECRETS: `${good},${bad}` });
      expect(result.code).toBe(1);
      expect(result.output).toBe(
        "error: option '--signing-secret <secret>' value from env 'FORWARDER_SIGNING_SECRETS' is invalid (secret 2 of 2). A signing secret's key must be at least 24 bytes (it has 5).",
      );
      expect(result.output).not.toContain(good.slice(6));
    });

    it('is never shown by --help, even when set in the environment', async () => {
      const key = secret();
      const app = spawnApp('forwarder', ['forward', '--help'], { FORWARDER_SIGNING_SECRETS: key });
      expect(await app.exited).toBe(0);
      // --help wraps at 80 columns, wherever the widest flag puts the descriptions.
      expect(app.output()).toMatch(/--signing-secret <secret>[\s\S]*default:\s+none,\s+unsigned/);
      expect(app.output()).not.toContain(key.slice(6));
    });
  });
});
