import { HeadQueue } from '@app/common';
import { isRecordSpecific, type KafkaError, KafkaOverloadedError, KafkaTimeoutError } from './kafka-errors';

export interface BatcherLimits {
  /** Most records in one request to the cluster. */
  maxRecords: number;
  /** Most bytes in one request; a larger single record still goes, alone. */
  maxBytes: number;
  /** Most records waiting for a request; beyond it new records are refused at once. */
  maxQueued: number;
}

/** Sends one batch; resolves with one result per item, in order, or throws a KafkaError. */
export type SendBatch<T, R> = (items: readonly T[]) => Promise<R[]>;

type State = 'queued' | 'sending' | 'done';

interface Entry<T, R> {
  item: T;
  size: number;
  state: State;
  /** Sent by itself because it failed inside a batch with a record-specific error. */
  alone: boolean;
  resolve: (result: R) => void;
  reject: (error: KafkaError) => void;
  timer?: NodeJS.Timeout;
}

/**
 * Coalesces concurrent produce calls into as few requests as possible without a linger timer:
 * while one request is in flight (the idempotent producer allows one), everything that arrives
 * waits and goes out together in the next request, bounded by count and bytes. An idle producer
 * sends a lone record at once. Each caller still gets its own result.
 */
export class ProduceBatcher<T, R> {
  private readonly queue = new HeadQueue<Entry<T, R>>();
  private queuedCount = 0;
  private sending = false;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private paused = true;

  constructor(
    private readonly send: SendBatch<T, R>,
    private readonly limits: BatcherLimits,
    private readonly sizeOf: (item: T) => number,
  ) {}

  /** Records waiting or in flight. */
  get pending(): number {
    return this.queuedCount + this.inFlight;
  }

  /** Stops taking records off the queue (the producer is reconnecting); queued records wait. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  submit(item: T, timeoutMs: number): Promise<R> {
    if (this.queuedCount >= this.limits.maxQueued) {
      return Promise.reject(new KafkaOverloadedError(`${this.queuedCount} records are already waiting for Kafka.`));
    }
    return new Promise<R>((resolve, reject) => {
      const entry: Entry<T, R> = { item, size: this.sizeOf(item), state: 'queued', alone: false, resolve, reject };
      entry.timer = setTimeout(() => this.expire(entry), timeoutMs);
      this.queue.push(entry);
      this.queuedCount++;
      this.pump();
    });
  }

  /** Resolves when nothing is queued or in flight, or when the timeout passes. */
  async drained(timeoutMs: number): Promise<boolean> {
    if (this.pending === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([idle, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private expire(entry: Entry<T, R>): void {
    if (entry.state === 'done') return;
    if (entry.state === 'queued') this.queuedCount--;
    const sent = entry.state === 'sending';
    entry.state = 'done';
    entry.reject(
      new KafkaTimeoutError(
        sent
          ? 'Kafka did not acknowledge the record in time; it may or may not have been written.'
          : 'Kafka did not accept the record in time; it was not written.',
        sent,
      ),
    );
    this.notifyIfIdle();
  }

  private take(): Entry<T, R>[] {
    const batch: Entry<T, R>[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && batch.length < this.limits.maxRecords) {
      const entry = this.queue.peek()!;
      if (entry.state !== 'queued') {
        this.queue.shift();
        continue;
      }
      const fits = batch.length === 0 || (!entry.alone && bytes + entry.size <= this.limits.maxBytes);
      if (!fits) break;
      this.queue.shift();
      batch.push(entry);
      bytes += entry.size;
      if (entry.alone) break;
    }
    return batch;
  }

  private pump(): void {
    if (this.sending || this.paused) return;
    const batch = this.take();
    if (batch.length === 0) return;
    for (const entry of batch) entry.state = 'sending';
    this.queuedCount -= batch.length;
    this.sending = true;
    this.inFlight = batch.length;
    this.send(batch.map((entry) => entry.item)).then(
      (results) => {
        batch.forEach((entry, i) => this.settle(entry, () => entry.resolve(results[i])));
        this.finishSend();
      },
      (error: KafkaError) => {
        if (batch.length > 1 && isRecordSpecific(error)) {
          // One record (or topic) spoiled the request: retry each alone so the others still land.
          const retry = batch.filter((entry) => entry.state === 'sending');
          for (const entry of retry) {
            entry.state = 'queued';
            entry.alone = true;
          }
          this.queue.unshift(...retry);
          this.queuedCount += retry.length;
        } else {
          for (const entry of batch) this.settle(entry, () => entry.reject(error));
        }
        this.finishSend();
      },
    );
  }

  private settle(entry: Entry<T, R>, outcome: () => void): void {
    if (entry.state !== 'sending') return; // already timed out
    entry.state = 'done';
    clearTimeout(entry.timer);
    outcome();
  }

  private finishSend(): void {
    this.sending = false;
    this.inFlight = 0;
    this.pump();
    this.notifyIfIdle();
  }

  private notifyIfIdle(): void {
    if (this.pending !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
