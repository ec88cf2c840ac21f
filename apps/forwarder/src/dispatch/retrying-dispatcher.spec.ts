import { METRICS_REGISTRY } from '@app/observability';
import { Test } from '@nestjs/testing';
import { Registry } from 'prom-client';
import { ForwardStats } from '../stats/forward-stats';
import type { ForwardRecord } from '../transport/forward-record';
import { CircuitBreaker } from './circuit-breaker';
import { CLOCK } from './clock';
import { ConcurrencyLimiter, type LimiterSample } from './concurrency-limiter';
import {
  DELIVERY_HTTP_CLIENT,
  DeliveryNetworkError,
  type DeliveryRequest,
  type DeliveryResponse,
} from './delivery-http-client';
import { FakeClock, settle } from '../testing/fake-clock';
import { envelopePartsOf } from './envelope';
import { RetryPolicy } from './retry-policy';
import { DELIVERY_TARGET } from './request-headers';
import { RetryingDispatcher, type DispatchResult } from './retrying-dispatcher';
import { TargetEvidence } from './target-evidence';
import { TokenBucket } from './token-bucket';

type Answer = number | 'refused' | 'timeout' | { status: number; retryAfter: string };

const record: ForwardRecord = {
  topic: 'orders',
  partition: 1,
  offset: 7n,
  key: Buffer.from('k'),
  value: Buffer.from('{"a":1}'),
  headers: {},
  timestamp: 0,
};

const otherKey: ForwardRecord = { ...record, offset: 8n, key: Buffer.from('other') };

describe('RetryingDispatcher', () => {
  let clock: FakeClock;
  let answers: Answer[];
  let requests: Array<DeliveryRequest & { at: number }>;
  let dispatcher: RetryingDispatcher;
  let circuit: CircuitBreaker;
  let evidence: TargetEvidence;
  let stats: ForwardStats;
  /** What the dispatcher told the limiter about each attempt. */
  let samples: LimiterSample[];
  let backingOff: boolean;

  beforeEach(async () => {
    clock = new FakeClock();
    answers = [];
    requests = [];
    samples = [];
    backingOff = false;
    // The limiter at its token boundary: always a slot, and a backing-off state the test sets.
    const limiter = {
      tryAcquire: () => ({ release: (sample: LimiterSample) => samples.push(sample) }),
      acquire: async () => ({ release: (sample: LimiterSample) => samples.push(sample) }),
      get backingOff() {
        return backingOff;
      },
    };
    circuit = new CircuitBreaker({ threshold: 5, cooldownMs: 10_000 }, clock);
    evidence = new TargetEvidence();
    const http = {
      post: async (request: DeliveryRequest): Promise<DeliveryResponse> => {
        requests.push({ ...request, at: clock.now() });
        const answer = answers.shift() ?? 200;
        if (answer === 'refused') throw new DeliveryNetworkError('connection', 'ECONNREFUSED');
        if (answer === 'timeout') throw new DeliveryNetworkError('timeout', 'the target did not answer in time');
        return typeof answer === 'number' ? { status: answer } : answer;
      },
      close: async () => undefined,
    };
    const moduleRef = await Test.createTestingModule({
      providers: [
        RetryingDispatcher,
        ForwardStats,
        { provide: METRICS_REGISTRY, useValue: new Registry() },
        { provide: DELIVERY_HTTP_CLIENT, useValue: http },
        { provide: CLOCK, useValue: clock },
        {
          provide: DELIVERY_TARGET,
          useValue: {
            url: 'http://target/hook',
            timeoutMs: 1_000,
            headers: { Authorization: 'Bearer t' },
            userAgent: 'gateway/1',
          },
        },
        // random() = 1 makes full jitter take its ceiling, so the waits are exact.
        {
          provide: RetryPolicy,
          useValue: new RetryPolicy({ retries: 3, initialDelayMs: 1_000, maxDelayMs: 8_000, retry4xx: false }, () => 1),
        },
        { provide: CircuitBreaker, useValue: circuit },
        { provide: TargetEvidence, useValue: evidence },
        { provide: TokenBucket, useValue: new TokenBucket(0, clock) },
        { provide: ConcurrencyLimiter, useValue: limiter },
      ],
    }).compile();
    dispatcher = moduleRef.get(RetryingDispatcher);
    stats = moduleRef.get(ForwardStats);
  });

  /** Runs a delivery to its end, moving the fake clock as far as needed. */
  async function deliver(signal = new AbortController().signal): Promise<DispatchResult> {
    let result: DispatchResult | undefined;
    void dispatcher.deliver(record, signal).then((r) => (result = r));
    for (let i = 0; i < 500 && !result; i++) await clock.advance(1_000);
    return result!;
  }

  /** The target answers a record of another key with a success, now. */
  async function otherRecordSucceeds() {
    (await circuit.acquire())!.succeeded();
    evidence.succeeded(otherKey, clock.now(), clock.now());
  }

  it('delivers on any 2xx with the envelope, idempotency and static headers', async () => {
    answers = [204];
    await expect(deliver()).resolves.toEqual({ outcome: 'delivered', status: 204, attempts: 1 });
    expect(requests[0].url).toBe('http://target/hook');
    expect(JSON.parse(requests[0].body.toString())).toMatchObject({
      topic: 'orders',
      partition: 1,
      offset: 7,
      key: 'k',
      value: { a: 1 },
    });
    expect(requests[0].headers).toMatchObject({
      'Content-Type': 'application/json',
      'User-Agent': 'gateway/1',
      Authorization: 'Bearer t',
      'Idempotency-Key': 'orders-1-7',
      'webhook-id': 'orders-1-7',
      'webhook-timestamp': expect.stringMatching(/^\d+$/),
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
    });
    expect(stats.delivered).toBe(1);
  });

  it('sends a batch as one request: its envelopes in an array, one id for the whole batch', async () => {
    const second = { ...record, offset: 9n, key: Buffer.from('k2') };
    answers = [200];
    const envelopes = [record, second].map((r) => envelopePartsOf(r));
    await expect(dispatcher.deliverBatch([record, second], envelopes, new AbortController().signal)).resolves.toEqual({
      outcome: 'delivered',
      status: 200,
      attempts: 1,
    });
    expect(requests).toHaveLength(1);
    expect(JSON.parse(requests[0].body.toString())).toMatchObject([{ offset: 7 }, { offset: 9, key: 'k2' }]);
    expect(requests[0].headers).toMatchObject({ 'Idempotency-Key': 'orders-1-7-9', 'webhook-id': 'orders-1-7-9' });
    expect(stats.delivered).toBe(2);
  });

  it('continues the trace the record carries', async () => {
    const traced = {
      ...record,
      headers: {
        traceparent: Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'),
        tracestate: Buffer.from('k=v'),
      },
    };
    void dispatcher.deliver(traced, new AbortController().signal);
    await settle();
    expect(requests[0].headers.traceparent).toMatch(
      /^00-0af7651916cd43dd8448eb211c80319c-(?!b7ad6b7169203331)[0-9a-f]{16}-01$/,
    );
    expect(requests[0].headers.tracestate).toBe('k=v');
  });

  it('retries no answer, timeouts, 408, 429 and 5xx with doubling backoff', async () => {
    answers = ['refused', 'timeout', 503, 200];
    const start = clock.now();
    await expect(deliver()).resolves.toMatchObject({ outcome: 'delivered', attempts: 4 });
    expect(requests.map((r) => r.at - start)).toEqual([0, 1_000, 3_000, 7_000]);
    expect(stats.retries).toBe(3);
  });

  it('honours Retry-After, clamped to the maximum delay', async () => {
    answers = [{ status: 429, retryAfter: '3' }, { status: 503, retryAfter: '120' }, 200];
    const start = clock.now();
    await deliver();
    expect(requests.map((r) => r.at - start)).toEqual([0, 3_000, 11_000]);
  });

  it('dead-letters a 400 without retrying', async () => {
    answers = [400];
    await expect(deliver()).resolves.toEqual({ outcome: 'rejected', status: 400, attempts: 1, error: 'HTTP 400' });
    expect(requests).toHaveLength(1);
  });

  it('gives up after the retries when the target works for other records', async () => {
    await otherRecordSucceeds();
    answers = [500, 500, 500, 500, 500];
    const result = deliver();
    await clock.advance(10);
    await otherRecordSucceeds();
    await expect(result).resolves.toEqual({ outcome: 'exhausted', status: 500, attempts: 4, error: 'HTTP 500' });
    expect(requests).toHaveLength(4);
  });

  it('dead-letters a refused record when the others were answered just before it, with no traffic after', async () => {
    await otherRecordSucceeds();
    await clock.advance(500);
    answers = Array<Answer>(10).fill(500);
    await expect(deliver()).resolves.toMatchObject({ outcome: 'exhausted', status: 500, attempts: 4 });
  });

  it('dead-letters the next record of a refused key at once by the same evidence, with no other traffic', async () => {
    await otherRecordSucceeds();
    answers = Array<Answer>(20).fill(500);
    await expect(deliver()).resolves.toMatchObject({ outcome: 'exhausted', attempts: 4 });
    await clock.advance(60_000);
    const next = { ...record, offset: 9n };
    let result: DispatchResult | undefined;
    void dispatcher.deliver(next, new AbortController().signal).then((r) => (result = r));
    for (let i = 0; i < 100 && !result; i++) await clock.advance(1_000);
    expect(result).toMatchObject({ outcome: 'exhausted', attempts: 4 });
  });

  it('holds a failing record while nothing else has been answered: alone it cannot tell poison from outage', async () => {
    answers = Array<Answer>(30).fill(500);
    let result: DispatchResult | undefined;
    void dispatcher.deliver(record, new AbortController().signal).then((r) => (result = r));
    for (let i = 0; i < 200; i++) await clock.advance(1_000);
    expect(result).toBeUndefined();
    expect(requests.length).toBeGreaterThan(10);
    // One lane's failures never open the circuit.
    expect(circuit.state).toBe('closed');
    expect(dispatcher.retrying('orders-1-7')).toMatchObject({ problem: 'HTTP 500', blamed: false });
    answers = [200];
    for (let i = 0; i < 20 && !result; i++) await clock.advance(1_000);
    expect(result).toMatchObject({ outcome: 'delivered' });
    expect(dispatcher.retrying('orders-1-7')).toBeUndefined();
  });

  it('does not blame a record when the last success of other records is older than its first failure', async () => {
    await otherRecordSucceeds();
    await clock.advance(5_000);
    answers = [...Array<Answer>(8).fill(500), 200];
    await expect(deliver()).resolves.toMatchObject({ outcome: 'delivered', attempts: 9 });
  });

  it('holds the record through an outage instead of dead-lettering it, and delivers it after', async () => {
    // Even while other records succeed: a connection that cannot be made is never the record's fault.
    void otherRecordsKeepSucceeding();
    answers = Array.from({ length: 12 }, () => 'refused' as const);
    const result = await deliver();
    expect(result).toMatchObject({ outcome: 'delivered' });
    expect(requests.length).toBe(13);
    expect(circuit.state).toBe('closed');
  });

  it('stops at once, with no outcome, when its partition is revoked', async () => {
    answers = [503, 503, 503];
    const abort = new AbortController();
    let result: DispatchResult | undefined;
    void dispatcher.deliver(record, abort.signal).then((r) => (result = r));
    await clock.advance(500);
    abort.abort();
    await settle();
    expect(result).toEqual({ outcome: 'aborted', attempts: 1 });
  });

  it('tells the concurrency limiter what each answer says about the target', async () => {
    answers = [503, 'timeout', 500, 200, 429, 'refused', 404];
    await deliverWithoutLimit();
    await deliverWithoutLimit();
    expect(samples).toEqual(['overload', 'overload', 'ok', 'ok', 'overload', 'overload', 'ok']);
  });

  it('does not spend retries on 429/503 while the limiter backs off from them, nor open the circuit with them', async () => {
    backingOff = true;
    answers = [...Array<Answer>(12).fill(503), 429, 200];
    await otherRecordSucceeds();
    await expect(deliver()).resolves.toEqual({ outcome: 'delivered', status: 200, attempts: 14 });
    expect(circuit.state).toBe('closed');
    expect(stats.throttled).toBe(13);
  });

  it('still dead-letters a record that keeps getting 503 once the limiter is no longer backing off', async () => {
    backingOff = false;
    answers = [503, 503, 503, 503, 503];
    await otherRecordSucceeds();
    void otherRecordsKeepSucceeding();
    await expect(deliver()).resolves.toMatchObject({ outcome: 'exhausted', status: 503, attempts: 4 });
  });

  /** A delivery whose retries never run out because other records keep proving the target works. */
  async function deliverWithoutLimit(): Promise<DispatchResult> {
    void otherRecordsKeepSucceeding();
    return deliver();
  }

  async function otherRecordsKeepSucceeding(): Promise<void> {
    for (let i = 0; i < 50; i++) {
      await otherRecordSucceeds();
      await clock.advance(100);
    }
  }
});
