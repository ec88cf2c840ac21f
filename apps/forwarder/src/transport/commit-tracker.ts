/**
 * Which offset of one partition may be committed. Records are admitted in offset order and may
 * finish in any order; the committable offset is 1 + the highest offset such that it and every
 * admitted offset below it are done, i.e. the first unfinished offset (kafkajs' "next offset to
 * read"). Nothing unfinished is ever passed.
 */
export class CommitTracker {
  /** Admitted offsets not yet known to be below the frontier, in admission (= offset) order. */
  private pending: bigint[] = [];
  private head = 0;
  private readonly done = new Set<bigint>();
  private nextAfterLast?: bigint;

  /** The next offset this tracker expects; anything lower was already admitted. */
  get nextOffset(): bigint | undefined {
    return this.nextAfterLast;
  }

  /** Records admitted and not finished. */
  get unfinished(): number {
    return this.pending.length - this.head - this.done.size;
  }

  admit(offset: bigint): void {
    if (this.nextAfterLast !== undefined && offset < this.nextAfterLast) {
      throw new Error(`offset ${offset} admitted after ${this.nextAfterLast - 1n}: offsets must increase`);
    }
    this.pending.push(offset);
    this.nextAfterLast = offset + 1n;
  }

  complete(offset: bigint): void {
    if (this.head < this.pending.length && this.pending[this.head] === offset) {
      this.head++;
      while (this.head < this.pending.length && this.done.delete(this.pending[this.head])) this.head++;
      if (this.head > 1024 && this.head * 2 > this.pending.length) {
        this.pending = this.pending.slice(this.head);
        this.head = 0;
      }
    } else {
      this.done.add(offset);
    }
  }

  /** The offset to commit (next to read), or undefined when nothing was admitted yet. */
  committable(): bigint | undefined {
    return this.head < this.pending.length ? this.pending[this.head] : this.nextAfterLast;
  }
}
