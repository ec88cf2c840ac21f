import { childTraceparent, TRACEPARENT, TRACESTATE } from '@app/observability';
import { Inject, Injectable } from '@nestjs/common';
import { ForwardStats } from '../stats/forward-stats';
import { recordId, type ForwardRecord } from '../transport/forward-record';
import { CircuitBreaker } from './circuit-breaker';
import { CLOCK, type Clock } from './clock';
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
 * the topic into the dead-letter topic.
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
    private readonly stats: ForwardStats,
  ) {}

  async deliver(record: ForwardRecord, signal: AbortSignal): Promise<DispatchResult> {
    const body = envelopeOf(record);
    const id = recordId(record);
    const firstAttemptAt = this.clock.now();
    for (let attempt = 1; ; attempt++) {
      const permit = await this.circuit.acquire(signal);
      if (!permit) return { outcome: 'aborted', attempts: attempt - 1 };
      if (!(await this.rateLimit.take(signal))) {
        permit.release();
        return { outcome: 'aborted', attempts: attempt - 1 };
      }

      let status: number | undefined;
      let retryAfter: string | undefined;
      let problem: string;
      try {
        const response = await this.http.post({ url: this.target.url, body, headers: this.headers(id, record, body), timeoutMs: this.target.timeoutMs, signal });
        status = response.status;
        retryAfter = response.retryAfter;
        problem = `HTTP ${status}`;
        this.stats.attempt(status);
      } catch (error) {
        if (signal.aborted || (error instanceof DeliveryNetworkError && error.kind === 'aborted')) {
          permit.release();
          return { outcome: 'aborted', attempts: attempt };
        }
        problem = (error as Error).message;
        this.stats.attempt(error instanceof DeliveryNetworkError && error.kind === 'timeout' ? 'timeout' : 'connection_error');
      }

      const verdict = this.policy.verdict(status);
      if (verdict === 'retry') permit.failed();
      else permit.succeeded();
      if (verdict === 'delivered') {
        this.stats.recordDelivery(this.clock.now() - firstAttemptAt);
        return { outcome: 'delivered', status: status!, attempts: attempt };
      }
      if (verdict === 'reject') return { outcome: 'rejected', status: status!, attempts: attempt, error: problem };

      this.stats.attemptFailed();
      const targetWorks = this.circuit.state === 'closed' && this.circuit.lastSuccessAt >= firstAttemptAt;
      if (!this.policy.mayRetry(attempt) && targetWorks) return { outcome: 'exhausted', status, attempts: attempt, error: problem };
      this.stats.retried();
      await this.clock.sleep(this.policy.backoffMs(attempt, parseRetryAfter(retryAfter, this.clock.now())), signal);
    }
  }

  private headers(id: string, record: ForwardRecord, body: string): Record<string, string> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': this.target.userAgent,
      ...this.target.headers,
      'Idempotency-Key': id,
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(this.clock.now() / 1000)),
      // The trace the record was written in continues to the target (or a new one starts).
      traceparent: childTraceparent(headerText(record.headers[TRACEPARENT])),
    };
    // Signed per attempt, with this attempt's timestamp, so a late retry is not refused as stale.
    if (this.target.signer) headers['webhook-signature'] = this.target.signer.sign(id, headers['webhook-timestamp'], body);
    const tracestate = headerText(record.headers[TRACESTATE]);
    if (tracestate !== undefined) headers.tracestate = tracestate;
    return headers;
  }
}

function headerText(value: Buffer | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Buffer.isBuffer(value) ? value.toString('utf8') : value;
}
