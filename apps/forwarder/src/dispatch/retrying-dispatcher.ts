import { childTraceparent, TRACEPARENT, TRACESTATE } from '@app/observability';
import { Inject, Injectable } from '@nestjs/common';
import { ForwardStats } from '../stats/forward-stats';
import { recordId, type ForwardRecord } from '../transport/forward-record';
import { CircuitBreaker } from './circuit-breaker';
import { CLOCK, type Clock } from './clock';
import { ConcurrencyLimiter } from './concurrency-limiter';
import { DELIVERY_HTTP_CLIENT, DeliveryNetworkError, type DeliveryHttpClient } from './delivery-http-client';
import { envelopeOf } from './envelope';
import { parseRetryAfter, RetryPolicy } from './retry-policy';
import { TokenBucket } from './token-bucket';
import type { WebhookSigner } from './webhook-signer';

/** Where records go and what every request carries. */
export interface DeliveryTarget {
  url: string;
  timeoutMs: number;
  /** Static headers (`--header`), sent with every request. */
  headers: Record<string, string>;
  userAgent: string;
  /** Adds `webhook-signature` to every attempt when signing secrets are given. */
  signer?: WebhookSigner;
}

export const DELIVERY_TARGET = Symbol('DELIVERY_TARGET');

const PER_RECORD_HEADERS = new Set(['Idempotency-Key', 'webhook-id', 'webhook-timestamp', TRACEPARENT]);

export type DispatchResult =
  | { outcome: 'delivered'; status: number; attempts: number }
  /** A final answer (a 4xx other than 408/429): dead-letter at once. */
  | { outcome: 'rejected'; status: number; attempts: number; error: string }
  /** Retries used up while the target works for other records: dead-letter. */
  | { outcome: 'exhausted'; status?: number; attempts: number; error: string }
  /** Revoked or shutting down before an outcome: not done, will be redelivered. */
  | { outcome: 'aborted'; attempts: number };

/**
 * Delivers one record: decides and executes the attempts. 2xx delivers; no answer, 408, 429 and
 * 5xx are retried with backoff; other 4xx are final. Retries are used up only while the target
 * works for other records: during an outage (circuit open, or no success since this record's
 * first attempt) the record is held and retried, never dead-lettered, so an outage cannot drain
 * the topic into the dead-letter topic. Every attempt holds a slot of the ConcurrencyLimiter,
 * which learns the target's capacity from the answers; 429/503s it is backing off from are not
 * charged to the record.
 */
@Injectable()
export class RetryingDispatcher {
  constructor(
    @Inject(DELIVERY_HTTP_CLIENT) private readonly http: DeliveryHttpClient,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DELIVERY_TARGET) private readonly target: DeliveryTarget,
    private readonly policy: RetryPolicy,
    private readonly circuit: CircuitBreaker,
    private readonly rateLimit: TokenBucket,
    private readonly limiter: ConcurrencyLimiter,
    private readonly stats: ForwardStats,
  ) {
    const fixed = { 'Content-Type': 'application/json', 'User-Agent': target.userAgent, ...target.headers };
    // The per-record headers win over a --header of the same name, as they always have.
    this.staticHeaders = Object.entries(fixed)
      .filter(([name]) => !PER_RECORD_HEADERS.has(name))
      .flat();
  }

  /** What every request carries, built once: name, value, name, value... */
  private readonly staticHeaders: string[];
  private second = -1;
  private secondText = '';

  /** Unix seconds as text, made once a second rather than once a request. */
  private timestamp(): string {
    const second = Math.floor(this.clock.now() / 1000);
    if (second !== this.second) {
      this.second = second;
      this.secondText = String(second);
    }
    return this.secondText;
  }

  async deliver(record: ForwardRecord, signal: AbortSignal): Promise<DispatchResult> {
    // Built when the first request may go: a record waiting for the limiter holds no body.
    let body: Buffer | undefined;
    const id = recordId(record);
    const firstAttemptAt = this.clock.now();
    // Failed attempts that count against --retries: not the 429/503s the limiter is backing off from.
    let charged = 0;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) return { outcome: 'aborted', attempts: attempt - 1 };
      const slot = this.limiter.tryAcquire() ?? (await this.limiter.acquire(signal));
      if (!slot) return { outcome: 'aborted', attempts: attempt - 1 };
      const permit = this.circuit.tryAcquire() ?? (await this.circuit.acquire(signal));
      if (!permit) {
        slot.release('dropped');
        return { outcome: 'aborted', attempts: attempt - 1 };
      }
      if (!this.rateLimit.unlimited && !(await this.rateLimit.take(signal))) {
        permit.release();
        slot.release('dropped');
        return { outcome: 'aborted', attempts: attempt - 1 };
      }

      let status: number | undefined;
      let retryAfter: string | undefined;
      let problem: string;
      body ??= envelopeOf(record);
      const sentAt = this.clock.now();
      try {
        const response = await this.http.post({
          url: this.target.url,
          body,
          headers: this.headers(id, record, body),
          timeoutMs: this.target.timeoutMs,
          signal,
        });
        status = response.status;
        retryAfter = response.retryAfter;
        problem = `HTTP ${status}`;
        this.stats.attempt(status);
        slot.release(status === 429 || status === 503 ? 'overload' : 'ok', this.clock.now() - sentAt);
      } catch (error) {
        if (signal.aborted || (error instanceof DeliveryNetworkError && error.kind === 'aborted')) {
          permit.release();
          slot.release('dropped');
          return { outcome: 'aborted', attempts: attempt };
        }
        problem = (error as Error).message;
        this.stats.attempt(
          error instanceof DeliveryNetworkError && error.kind === 'timeout' ? 'timeout' : 'connection_error',
        );
        slot.release('overload');
      }

      const verdict = this.policy.verdict(status);
      // A saturated target is not a poison record: while the limiter backs off, its 429/503s
      // neither use up the record's retries nor count towards opening the circuit.
      const absorbed = verdict === 'retry' && (status === 429 || status === 503) && this.limiter.backingOff;
      if (verdict === 'retry') {
        if (absorbed) permit.release();
        else permit.failed();
      } else {
        permit.succeeded();
      }
      if (verdict === 'delivered') {
        this.stats.recordDelivery(this.clock.now() - firstAttemptAt);
        return { outcome: 'delivered', status: status!, attempts: attempt };
      }
      if (verdict === 'reject') return { outcome: 'rejected', status: status!, attempts: attempt, error: problem };

      this.stats.attemptFailed();
      if (!absorbed) {
        charged++;
        const targetWorks = this.circuit.state === 'closed' && this.circuit.lastSuccessAt >= firstAttemptAt;
        if (!this.policy.mayRetry(charged) && targetWorks)
          return { outcome: 'exhausted', status, attempts: attempt, error: problem };
      }
      this.stats.retried(absorbed);
      await this.clock.sleep(
        this.policy.backoffMs(Math.max(1, charged), parseRetryAfter(retryAfter, this.clock.now())),
        signal,
      );
    }
  }

  private headers(id: string, record: ForwardRecord, body: Buffer): Record<string, string> {
    const headers: Record<string, string> = {
      'Idempotency-Key': id,
      'webhook-id': id,
      'webhook-timestamp': this.timestamp(),
      // The trace the record was written in continues to the target (or a new one starts).
      traceparent: childTraceparent(headerText(record.headers[TRACEPARENT])),
    };
    for (let i = 0; i < this.staticHeaders.length; i += 2) headers[this.staticHeaders[i]] = this.staticHeaders[i + 1];
    // Signed per attempt, with this attempt's timestamp, so a late retry is not refused as stale.
    if (this.target.signer)
      headers['webhook-signature'] = this.target.signer.sign(id, headers['webhook-timestamp'], body);
    const tracestate = headerText(record.headers[TRACESTATE]);
    if (tracestate !== undefined) headers.tracestate = tracestate;
    return headers;
  }
}

function headerText(value: Buffer | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Buffer.isBuffer(value) ? value.toString('utf8') : value;
}
