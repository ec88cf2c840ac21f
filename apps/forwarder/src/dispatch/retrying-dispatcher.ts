import { Inject, Injectable } from '@nestjs/common';
import { ForwardStats } from '../stats/forward-stats';
import { recordId, type ForwardRecord } from '../transport/forward-record';
import { CircuitBreaker, type CircuitPermit } from './circuit-breaker';
import { CLOCK, type Clock } from './clock';
import { ConcurrencyLimiter, type LimiterSample, type LimiterSlot } from './concurrency-limiter';
import { DELIVERY_HTTP_CLIENT, DeliveryNetworkError, type DeliveryHttpClient } from './delivery-http-client';
import { arrayOf, envelopeOf, type EnvelopeParts } from './envelope';
import { DELIVERY_TARGET, RequestHeaders, type DeliveryTarget } from './request-headers';
import { parseRetryAfter, RetryPolicy } from './retry-policy';
import { laneOf, TargetEvidence } from './target-evidence';
import { TokenBucket } from './token-bucket';

export type DispatchResult =
  | { outcome: 'delivered'; status: number; attempts: number }
  /** A final answer (a 4xx other than 408/429): dead-letter at once. */
  | { outcome: 'rejected'; status: number; attempts: number; error: string }
  /** Retries used up by failures that were the record's own (the target worked for other records): dead-letter. */
  | { outcome: 'exhausted'; status?: number; attempts: number; error: string }
  /** Revoked or shutting down before an outcome: not done, will be redelivered. */
  | { outcome: 'aborted'; attempts: number };

/** A record that has failed at least once and is not done: what the progress line shows when it is the oldest. */
export interface RetryingRecord {
  key: Buffer | null;
  attempts: number;
  /** The last failure: `HTTP 500`, or why there was no answer. */
  problem: string;
  /** Whether its failures use up its retries (the target works for other records). */
  blamed: boolean;
}

/** What an answer says about the target, for the circuit. */
type Evidence = 'works' | 'down' | 'unreachable' | 'none';

/**
 * Delivers one record: decides and executes the attempts. 2xx delivers; no answer, 408, 429 and
 * 5xx are retried with backoff; other 4xx are final. A failure uses up the record's retries only
 * when it is the record's own fault: the target works for other records meanwhile (TargetEvidence)
 * and the circuit is closed. Then the record is dead-lettered once its retries are used up, and its
 * key moves on. Otherwise (an outage, or nothing yet to tell) the record is held and retried, never
 * dead-lettered, so an outage cannot drain the topic into the dead-letter topic; and its failures
 * are evidence of an outage for the circuit. A connection that cannot be made is never a record's
 * fault. Every attempt holds a slot of the ConcurrencyLimiter, which learns the target's capacity
 * from the answers; 429/503s it is backing off from are nobody's fault and no evidence.
 */
@Injectable()
export class RetryingDispatcher {
  constructor(
    @Inject(DELIVERY_HTTP_CLIENT) private readonly http: DeliveryHttpClient,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DELIVERY_TARGET) private readonly target: DeliveryTarget,
    private readonly policy: RetryPolicy,
    private readonly circuit: CircuitBreaker,
    private readonly evidence: TargetEvidence,
    private readonly rateLimit: TokenBucket,
    private readonly limiter: ConcurrencyLimiter,
    private readonly stats: ForwardStats,
  ) {
    this.requestHeaders = new RequestHeaders(target, clock);
  }

  private readonly requestHeaders: RequestHeaders;
  /** Records that failed and are not done yet, by record id; a delivery that never fails stays out. */
  private readonly failing = new Map<string, RetryingRecord>();

  /** The record's failures so far, while it is being retried. */
  retrying(id: string): RetryingRecord | undefined {
    return this.failing.size === 0 ? undefined : this.failing.get(id);
  }

  async deliver(record: ForwardRecord, signal: AbortSignal): Promise<DispatchResult> {
    const id = recordId(record);
    const result = await this.attempts(record, undefined, id, envelopeOf, signal);
    if (this.failing.size > 0) this.failing.delete(id);
    return result;
  }

  /**
   * Delivers records of one partition as one request, a JSON array of their envelopes in order,
   * with the same retries, circuit and limiter as one record (which requests, not records, feed):
   * one outcome for all. `webhook-id` and `Idempotency-Key` are `<topic>-<partition>-<first
   * offset>-<last offset>`, the same for every attempt of this batch.
   */
  async deliverBatch(
    records: ForwardRecord[],
    envelopes: EnvelopeParts[],
    signal: AbortSignal,
  ): Promise<DispatchResult> {
    if (records.length === 1) return this.deliver(records[0], signal);
    const id = `${recordId(records[0])}-${records[records.length - 1].offset}`;
    const result = await this.attempts(records[0], records, id, () => arrayOf(envelopes), signal);
    if (this.failing.size > 0) for (const record of records) this.failing.delete(recordId(record));
    return result;
  }

  /**
   * The attempts for one request: `record` alone, or the `batch` it opens. The first record stands
   * for a batch in the evidence (its key is the lane) and in the trace; a refused lane is
   * remembered for a lone record only. A lone record comes without an array: one per delivery.
   */
  private async attempts(
    record: ForwardRecord,
    batch: ForwardRecord[] | undefined,
    id: string,
    bodyOf: (record: ForwardRecord) => Buffer,
    signal: AbortSignal,
  ): Promise<DispatchResult> {
    // Built when the first request may go: a record waiting for the limiter holds no body.
    let body: Buffer | undefined;
    const firstAttemptAt = this.clock.now();
    /** Failed attempts that set the backoff: all but the 429/503s the limiter is backing off from. */
    let failures = 0;
    /** Failed attempts that count against --retries: those that were the record's own fault. */
    let charged = 0;
    /** When the record's lane began failing: its first failure, or its refused predecessor's. */
    let streakStart: number | undefined;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) return { outcome: 'aborted', attempts: attempt - 1 };
      const slot = this.limiter.tryAcquire() ?? (await this.limiter.acquire(signal));
      const permit = slot && (this.circuit.tryAcquire() ?? (await this.circuit.acquire(signal)));
      const token = permit !== undefined && (this.rateLimit.unlimited || (await this.rateLimit.take(signal)));
      if (!token) {
        release(slot, permit, 'dropped', undefined, 'none', record);
        return { outcome: 'aborted', attempts: attempt - 1 };
      }

      let status: number | undefined;
      let retryAfter: string | undefined;
      let problem: string;
      let connection = false;
      body ??= bodyOf(record);
      const sentAt = this.clock.now();
      try {
        const response = await this.http.post({
          url: this.target.url,
          body,
          headers: this.requestHeaders.for(id, record, body),
          timeoutMs: this.target.timeoutMs,
          signal,
        });
        status = response.status;
        retryAfter = response.retryAfter;
        problem = `HTTP ${status}`;
        this.stats.attempt(status);
      } catch (error) {
        if (signal.aborted || (error instanceof DeliveryNetworkError && error.kind === 'aborted')) {
          release(slot, permit, 'dropped', undefined, 'none', record);
          return { outcome: 'aborted', attempts: attempt };
        }
        problem = (error as Error).message;
        const timedOut = error instanceof DeliveryNetworkError && error.kind === 'timeout';
        connection = !timedOut;
        this.stats.attempt(timedOut ? 'timeout' : 'connection_error');
      }
      const now = this.clock.now();
      const overload = status === undefined || status === 429 || status === 503;
      // No answer, no latency to learn from.
      const latency = status === undefined ? undefined : now - sentAt;
      const verdict = this.policy.verdict(status);
      if (verdict !== 'retry') {
        this.evidence.succeeded(record, sentAt, now);
        release(slot, permit, overload ? 'overload' : 'ok', latency, 'works', record);
        if (verdict === 'reject') return { outcome: 'rejected', status: status!, attempts: attempt, error: problem };
        for (let i = batch?.length ?? 1; i > 0; i--) this.stats.recordDelivery(now - firstAttemptAt);
        return { outcome: 'delivered', status: status!, attempts: attempt };
      }

      // A saturated target is not a poison record: while the limiter backs off, its 429/503s
      // neither use up the record's retries nor count as evidence of an outage.
      const absorbed = (status === 429 || status === 503) && this.limiter.backingOff;
      if (!absorbed) streakStart ??= this.evidence.refusedSinceFor(record) ?? now;
      const blame = absorbed || connection ? 'none' : this.evidence.blame(record, streakStart!);
      const blamed = blame !== 'none';
      // Proven poison says nothing about the target; a likely one still counts, so that the start
      // of an outage, which every record meets just after a success, opens the circuit.
      const evidence: Evidence = absorbed || blame === 'proven' ? 'none' : connection ? 'unreachable' : 'down';
      release(slot, permit, overload ? 'overload' : 'ok', latency, evidence, record);
      this.stats.attemptFailed();
      if (!absorbed) failures++;
      if (blamed && this.circuit.state === 'closed') {
        charged++;
        if (!this.policy.mayRetry(charged)) {
          if (!batch) this.evidence.refused(record, streakStart!);
          return { outcome: 'exhausted', status, attempts: attempt, error: problem };
        }
      }
      if (!batch) this.failing.set(id, { key: record.key, attempts: attempt, problem, blamed });
      else
        for (const each of batch)
          this.failing.set(recordId(each), { key: each.key, attempts: attempt, problem, blamed });
      this.stats.retried(absorbed);
      await this.clock.sleep(
        this.policy.backoffMs(Math.max(1, failures), parseRetryAfter(retryAfter, this.clock.now())),
        signal,
      );
    }
  }
}

/**
 * The one place an attempt gives back what it held: its limiter slot, with what the answer said
 * about the target's capacity, and its circuit permit, with what it said about its health.
 */
function release(
  slot: LimiterSlot | undefined,
  permit: CircuitPermit | undefined,
  sample: LimiterSample,
  latencyMs: number | undefined,
  evidence: Evidence,
  record: ForwardRecord,
): void {
  slot?.release(sample, latencyMs);
  if (!permit) return;
  if (evidence === 'works') permit.succeeded();
  else if (evidence === 'none') permit.release();
  else permit.failed(laneOf(record), evidence === 'unreachable');
}
