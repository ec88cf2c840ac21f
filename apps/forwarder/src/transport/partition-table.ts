import { setMaxListeners } from 'node:events';
import { CommitTracker } from './commit-tracker';

/** What the transport knows of one partition it owns. */
export interface PartitionState {
  partition: number;
  tracker: CommitTracker;
  /** Aborted when the partition is revoked, or at shutdown once the wait is over. */
  abort: AbortController;
  lastCommitted?: bigint;
  highWatermark?: bigint;
  /** Pauses asked for by handlers (dead-letter writes failing). */
  pauses: number;
}

/** A record that holds its partition's commit back, and since when (ms since the epoch) it was fetched. */
export interface OldestPending {
  partition: number;
  offset: bigint;
  since: number;
}

/** The partitions assigned to this member and the state of each one records were fetched from. */
export class PartitionTable {
  private readonly states = new Map<number, PartitionState>();
  private current: ReadonlySet<number> = new Set();

  get assigned(): ReadonlySet<number> {
    return this.current;
  }

  get(partition: number): PartitionState | undefined {
    return this.states.get(partition);
  }

  /** The partition's state, made when its first record arrives. */
  stateOf(partition: number): PartitionState {
    let state = this.states.get(partition);
    if (!state) {
      const abort = new AbortController();
      // Every delivery in flight on the partition listens to it (workers of them, and more while retrying).
      setMaxListeners(0, abort.signal);
      state = { partition, tracker: new CommitTracker(), abort, pauses: 0 };
      this.states.set(partition, state);
    }
    return state;
  }

  /**
   * Takes a new assignment. Revoked partitions are forgotten and their deliveries in flight stop
   * without an outcome: the next owner redelivers them. Returns the revoked partitions.
   */
  assign(partitions: Iterable<number>): number[] {
    const assigned = new Set(partitions);
    const revoked: number[] = [];
    for (const [partition, state] of this.states) {
      if (assigned.has(partition)) continue;
      state.abort.abort();
      this.states.delete(partition);
      revoked.push(partition);
    }
    this.current = assigned;
    return revoked;
  }

  /** States of assigned partitions that records were fetched from. */
  *owned(): IterableIterator<PartitionState> {
    for (const [partition, state] of this.states) if (this.current.has(partition)) yield state;
  }

  /** The oldest record fetched and not done across the owned partitions: where the commit waits. */
  oldestPending(): OldestPending | undefined {
    let oldest: OldestPending | undefined;
    for (const state of this.owned()) {
      const first = state.tracker.oldest();
      if (first && (oldest === undefined || first.since < oldest.since))
        oldest = { partition: state.partition, offset: first.offset, since: first.since };
    }
    return oldest;
  }

  /** Stops every delivery in flight (at shutdown, once the wait is over). */
  abortAll(): void {
    for (const state of this.states.values()) state.abort.abort();
  }
}
