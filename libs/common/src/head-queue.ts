/** Consumed items kept before the array is compacted; below this the copy costs more than it frees. */
const COMPACT_AFTER = 1024;

/**
 * A first-in first-out queue on an array and a moving head: shift is O(1), where
 * Array.prototype.shift copies the whole array. A consumed slot lets go of its item at once (so
 * the item can die young, rather than outlive garbage collections held by the queue and be
 * promoted to the old generation); the consumed prefix is dropped once it is more than half the
 * array, so memory follows what is queued.
 */
export class HeadQueue<T> {
  private items: Array<T | undefined> = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The first item, left in the queue; undefined when empty. */
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > COMPACT_AFTER && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Puts items back at the front, in the order given. */
  unshift(...items: T[]): void {
    this.items.splice(this.head, 0, ...items);
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }
}
