import { HeadQueue } from '@app/common';

/**
 * Which offset of one partition may be committed. Records are admitted in offset order and may
 * finish in any order; the committable offset is 1 + the highest offset such that it and every
 * admitted offset below it are done, i.e. the first unfinished offset (kafkajs' "next offset to
 * read"). Nothing unfinished is ever passed.
 */
export class CommitTracker {
  /** Admitted offsets not yet known to be below the frontier, in admission (= offset) order. */
  private readonly pending = new HeadQueue<bigint>();
  /** When each pending offset was admitted, in the same order. */
  private readonly admittedAt = new HeadQueue<number>();
  private readonly done = new Set<bigint>();
  private nextAfterLast?: bigint;

  /** The next offset this tracker expects; anything lower was already admitted. */
  get nextOffset(): bigint | undefined {
    return this.nextAfterLast;
  }

  /** Records admitted and not finished. */
  get unfinished(): number {
    return this.pending.length - this.done.size;
  }

  /** The first unfinished offset and when it was admitted: the oldest record not done. */
  oldest(): { offset: bigint; since: number } | undefined {
    const offset = this.pending.peek();
    return offset === undefined ? undefined : { offset, since: this.admittedAt.peek()! };
  }

  admit(offset: bigint, at: number): void {
    if (this.nextAfterLast !== undefined && offset < this.nextAfterLast) {
      throw new Error(`offset ${offset} admitted after ${this.nextAfterLast - 1n}: offsets must increase`);
    }
    this.pending.push(offset);
    this.admittedAt.push(at);
    this.nextAfterLast = offset + 1n;
  }

  complete(offset: bigint): void {
    if (this.pending.peek() === offset) {
      this.shift();
      while (this.pending.length > 0 && this.done.delete(this.pending.peek()!)) this.shift();
    } else {
      this.done.add(offset);
    }
  }

  private shift(): void {
    this.pending.shift();
    this.admittedAt.shift();
  }

  /** The offset to commit (next to read), or undefined when nothing was admitted yet. */
  committable(): bigint | undefined {
    return this.pending.peek() ?? this.nextAfterLast;
  }
}
