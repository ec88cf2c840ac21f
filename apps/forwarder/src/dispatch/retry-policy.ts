/** What one attempt's result means for the record. */
export type AttemptVerdict = 'delivered' | 'retry' | 'reject';

export interface RetryPolicyOptions {
  /** Retries after the first attempt. */
  retries: number;
  /** First backoff; doubles each retry. */
  initialDelayMs: number;
  /** Backoff cap; also caps Retry-After. */
  maxDelayMs: number;
  /** Retry other 4xx too, as the Go prototype did. */
  retry4xx: boolean;
}

/**
 * The delivery policy: which answers are final, how long to wait before the next attempt
 * (exponential backoff with full jitter, Retry-After honoured up to the cap).
 */
export class RetryPolicy {
  constructor(
    readonly options: RetryPolicyOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** `status` undefined means no answer: a network error or a timeout, always retried. */
  verdict(status: number | undefined): AttemptVerdict {
    if (status === undefined) return 'retry';
    if (status >= 200 && status < 300) return 'delivered';
    if (status === 408 || status === 429 || status >= 500) return 'retry';
    if (status >= 400 && status < 500) return this.options.retry4xx ? 'retry' : 'reject';
    return 'reject';
  }

  /** Whether attempt number `attempt` (1 = the first) may be followed by another. */
  mayRetry(attempt: number): boolean {
    return attempt <= this.options.retries;
  }

  /**
   * Wait before the retry that follows attempt `attempt`: uniformly random in [0, base] with
   * base = initial * 2^(attempt-1) capped ("full jitter"), or the target's Retry-After, capped.
   */
  backoffMs(attempt: number, retryAfterMs?: number): number {
    const { initialDelayMs, maxDelayMs } = this.options;
    if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), maxDelayMs);
    const base = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt - 1, 30));
    return Math.round(this.random() * base);
  }
}

/** Retry-After as delay-seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, date - now);
}
