import type { Logger } from '@nestjs/common';
import type { Consumer } from 'kafkajs';
import type { LagTracker } from './lag-tracker';
import type { PartitionState, PartitionTable } from './partition-table';

/** Failures in a row after which a failing commit is worth a warning (one is routine in a rebalance). */
const WARN_AFTER_FAILURES = 3;

/**
 * Commits, for every owned partition, the first offset not yet done (kafkajs' "next offset to
 * read") when it moved: on a timer, on rebalance and at shutdown. One commit at a time; callers
 * during one share it.
 */
export class CommitLoop {
  private consumer?: Consumer;
  private timer?: NodeJS.Timeout;
  private committing?: Promise<void>;
  private failuresInARow = 0;

  constructor(
    private readonly table: PartitionTable,
    private readonly lag: LagTracker,
    private readonly topic: string,
    private readonly log: Logger,
  ) {}

  attach(consumer: Consumer): void {
    this.consumer = consumer;
  }

  start(intervalMs: number): void {
    this.timer ??= setInterval(() => void this.commit(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  commit(): Promise<void> {
    this.committing ??= this.commitNow().finally(() => (this.committing = undefined));
    return this.committing;
  }

  private async commitNow(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    const offsets: Array<{ topic: string; partition: number; offset: string }> = [];
    const moved: Array<[PartitionState, bigint]> = [];
    for (const state of this.table.owned()) {
      const offset = state.tracker.committable();
      if (offset === undefined || (state.lastCommitted !== undefined && offset <= state.lastCommitted)) continue;
      offsets.push({ topic: this.topic, partition: state.partition, offset: offset.toString() });
      moved.push([state, offset]);
      this.lag.update(state);
    }
    if (offsets.length === 0) return;
    try {
      await consumer.commitOffsets(offsets);
      for (const [state, offset] of moved) state.lastCommitted = offset;
      this.failuresInARow = 0;
    } catch (error) {
      this.failuresInARow++;
      const what = `Commit of ${this.topic} partition(s) [${offsets.map((o) => o.partition).join(', ')}] failed (${(error as Error).message})`;
      // A rebalance refuses a commit or two; a commit that keeps failing means offsets do not move.
      if (this.failuresInARow >= WARN_AFTER_FAILURES)
        this.log.warn(`${what}, ${this.failuresInARow} times in a row; retrying every second`);
      else this.log.debug(`${what}; deferred`);
    }
  }
}
