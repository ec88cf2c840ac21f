import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { signingKeyOf } from '../signing-secret';
import { WebhookSigner } from './webhook-signer';

const secret = (bytes = 32) => `whsec_${randomBytes(bytes).toString('base64')}`;
const nowSeconds = () => String(Math.floor(Date.now() / 1000));

describe('WebhookSigner', () => {
  it('produces a signature the standardwebhooks package verifies', () => {
    const key = secret();
    const body = '{"topic":"orders","value":{"note":"crème brûlée ✓"}}';
    const timestamp = nowSeconds();
    const signature = new WebhookSigner([key]).sign('orders-0-7', timestamp, body);
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const headers = { 'webhook-id': 'orders-0-7', 'webhook-timestamp': timestamp, 'webhook-signature': signature };
    expect(new Webhook(key).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('signs body bytes as the standardwebhooks package verifies their text', () => {
    const key = secret();
    const body = '{"topic":"orders","value":{"note":"crème brûlée ✓ 🎉"}}';
    const timestamp = nowSeconds();
    const signature = new WebhookSigner([key]).sign('orders-0-8', timestamp, Buffer.from(body));
    expect(signature).toBe(new WebhookSigner([key]).sign('orders-0-8', timestamp, body));
    const headers = { 'webhook-id': 'orders-0-8', 'webhook-timestamp': timestamp, 'webhook-signature': signature };
    expect(new Webhook(key).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('matches the Standard Webhooks reference signature', () => {
    // The example in the standard-webhooks specification's reference implementations.
    const signer = new WebhookSigner(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw']);
    const body = '{"test": 2432232314}';
    expect(signer.sign('msg_p5jXN8AQM9LWM0D4loKWxJek', '1614265330', body)).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('signs with every secret, space-separated, so a receiver knowing only one of them verifies', () => {
    const [old, current] = [secret(), secret()];
    const body = '{"a":1}';
    const timestamp = nowSeconds();
    const signature = new WebhookSigner([old, current]).sign('t-1-2', timestamp, body);
    expect(signature.split(' ')).toHaveLength(2);
    const headers = { 'webhook-id': 't-1-2', 'webhook-timestamp': timestamp, 'webhook-signature': signature };
    expect(() => new Webhook(current).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(old).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(secret()).verify(body, headers)).toThrow(/No matching signature/);
  });

  it('fails verification when one byte of the body, the id or the timestamp changes', () => {
    const key = secret();
    const body = '{"amount":100}';
    const timestamp = nowSeconds();
    const headers = {
      'webhook-id': 'pay-0-1',
      'webhook-timestamp': timestamp,
      'webhook-signature': new WebhookSigner([key]).sign('pay-0-1', timestamp, body),
    };
    expect(() => new Webhook(key).verify('{"amount":900}', headers)).toThrow(/No matching signature/);
    expect(() => new Webhook(key).verify(body, { ...headers, 'webhook-id': 'pay-0-2' })).toThrow(
      /No matching signature/,
    );
    expect(() =>
      new Webhook(key).verify(body, { ...headers, 'webhook-timestamp': String(Number(timestamp) - 1) }),
    ).toThrow(/No matching signature/);
  });

  it.each([
    ['no prefix', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', /must look like whsec_<base64 key>/],
    ['empty key', 'whsec_', /must look like whsec_<base64 key>/],
    ['not base64', 'whsec_not*base64*at*all*not*base64*at*all', /must look like whsec_<base64 key>/],
    ['bad padding', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS', /must look like whsec_<base64 key>/],
    ['too short', `whsec_${Buffer.alloc(16, 1).toString('base64')}`, /at least 24 bytes \(it has 16\)/],
  ])('refuses a secret with %s, without echoing it', (_case, bad, message) => {
    let error: Error | undefined;
    try {
      signingKeyOf(bad);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain(bad.slice(6) || 'whsec_x');
  });

  it('never shows its keys when logged or inspected', () => {
    const key = secret();
    const signer = new WebhookSigner([key]);
    const raw = signingKeyOf(key).toString('base64');
    expect(inspect(signer)).not.toContain(raw);
    expect(JSON.stringify({ signer })).not.toContain(raw);
    expect(inspect({ signer })).toBe('{ signer: WebhookSigner(1 secret) }');
  });
});
