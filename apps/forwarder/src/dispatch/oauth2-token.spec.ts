import { Registry } from 'prom-client';
import { DeliveryNetworkError, type DeliveryHttpClient, type DeliveryRequest } from './delivery-http-client';
import { FakeClock } from '../testing/fake-clock';
import { OAuth2DeliveryClient } from './oauth2-delivery-client';
import { OAuth2Token, type AccessToken } from './oauth2-token';

/** A token endpoint the test answers by hand: each call waits for `answer` or `fail`. */
class FakeEndpoint {
  calls = 0;
  private pending: Array<{ resolve: (t: AccessToken) => void; reject: (e: Error) => void }> = [];
  readonly request = () => {
    this.calls++;
    return new Promise<AccessToken>((resolve, reject) => this.pending.push({ resolve, reject }));
  };
  answer(value: string, expiresInS = 60): void {
    for (const p of this.pending.splice(0)) p.resolve({ value, expiresInS });
  }
  fail(): void {
    for (const p of this.pending.splice(0)) p.reject(new Error('connect ECONNREFUSED'));
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('OAuth2Token', () => {
  let clock: FakeClock;
  let endpoint: FakeEndpoint;
  let token: OAuth2Token;
  beforeEach(() => {
    clock = new FakeClock();
    endpoint = new FakeEndpoint();
    token = new OAuth2Token(endpoint.request, clock, new Registry());
    jest.spyOn(token['log'], 'warn').mockImplementation(() => undefined);
    jest.spyOn(token['log'], 'log').mockImplementation(() => undefined);
  });

  it('fetches once for callers that arrive together, and serves the token until shortly before it expires', async () => {
    const first = Promise.all([token.get(), token.get(), token.get()]);
    await flush();
    endpoint.answer('t1');
    expect(await first).toEqual(['t1', 't1', 't1']);
    await clock.advance(53_000);
    expect(await token.get()).toBe('t1');
    expect(endpoint.calls).toBe(1);
    // Within the last tenth of its 60 s: still served, renewed in the background, once.
    await clock.advance(2_000);
    expect(await token.get()).toBe('t1');
    expect(await token.get()).toBe('t1');
    expect(endpoint.calls).toBe(2);
    endpoint.answer('t2');
    await flush();
    expect(await token.get()).toBe('t2');
  });

  it('renews once for many deliveries refused with the same token', async () => {
    const got = token.get();
    await flush();
    endpoint.answer('t1');
    await got;
    const renewed = Promise.all([token.renew('t1'), token.renew('t1')]);
    await flush();
    endpoint.answer('t2');
    expect(await renewed).toEqual(['t2', 't2']);
    expect(await token.renew('t1')).toBe('t2');
    expect(endpoint.calls).toBe(2);
  });

  it('rejects while the endpoint fails, asking again at most once a second', async () => {
    const got = token.get();
    await flush();
    endpoint.fail();
    await expect(got).rejects.toThrow('the OAuth2 token endpoint failed: Error: connect ECONNREFUSED');
    await expect(token.get()).rejects.toThrow(/token endpoint failed/);
    expect(endpoint.calls).toBe(1);
    await clock.advance(1_000);
    const again = token.get();
    await flush();
    endpoint.answer('t1');
    expect(await again).toBe('t1');
  });
});

describe('OAuth2DeliveryClient', () => {
  const request = (): DeliveryRequest => ({
    url: 'http://127.0.0.1:1/hook',
    body: Buffer.from('{}'),
    headers: { 'webhook-id': 'x' },
    timeoutMs: 1_000,
    signal: new AbortController().signal,
  });

  it('sends the bearer token, and after a 401 renews it and sends once more', async () => {
    const statuses = [401, 200];
    const seen: string[] = [];
    const inner: DeliveryHttpClient = {
      post: (r) => {
        seen.push(r.headers.Authorization);
        return Promise.resolve({ status: statuses.shift()! });
      },
      close: () => Promise.resolve(),
    };
    const tokens = ['t1', 't2'];
    const token = new OAuth2Token(
      () => Promise.resolve({ value: tokens.shift()!, expiresInS: 60 }),
      new FakeClock(),
      new Registry(),
    );
    const client = new OAuth2DeliveryClient(inner, token);
    expect(await client.post(request())).toEqual({ status: 200 });
    expect(seen).toEqual(['Bearer t1', 'Bearer t2']);
  });

  it('reports a failing token endpoint as a connection failure, without a request', async () => {
    const post = jest.fn();
    const token = new OAuth2Token(() => Promise.reject(new Error('boom')), new FakeClock(), new Registry());
    jest.spyOn(token['log'], 'warn').mockImplementation(() => undefined);
    const client = new OAuth2DeliveryClient({ post, close: () => Promise.resolve() }, token);
    const error = await client.post(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryNetworkError);
    expect((error as DeliveryNetworkError).kind).toBe('connection');
    expect(post).not.toHaveBeenCalled();
  });
});
