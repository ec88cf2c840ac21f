import type { Clock } from './clock';

/**
 * A real token bucket for `--rate`: `ratePerSecond` tokens a second, a burst of a tenth of a
 * second's worth (at least one). Callers over the rate wait their turn, in order. Rate 0 means
 * unlimited.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;
  private readonly capacity: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly clock: Clock,
  ) {
    this.capacity = Math.max(1, Math.ceil(ratePerSecond / 10));
    this.tokens = this.capacity;
    this.refilledAt = clock.now();
  }

  /** True when unlimited: the caller need not wait (and no promise is made). */
  get unlimited(): boolean {
    return this.ratePerSecond <= 0;
  }

  /** Resolves when the caller may go; false when the signal aborted first (its token is returned). */
  async take(signal?: AbortSignal): Promise<boolean> {
    if (this.ratePerSecond <= 0) return true;
    const now = this.clock.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) * this.ratePerSecond) / 1000);
    this.refilledAt = now;
    this.tokens -= 1;
    if (this.tokens >= 0) return true;
    // Negative tokens are reservations: this caller's turn comes when the bucket refills to zero.
    await this.clock.sleep((-this.tokens * 1000) / this.ratePerSecond, signal);
    if (signal?.aborted) {
      this.tokens += 1;
      return false;
    }
    return true;
  }
}
