import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { HeadQueue } from './head-queue';

describe('HeadQueue', () => {
  it('hands items out first in, first out, across compactions', () => {
    const queue = new HeadQueue<number>();
    for (let i = 0; i < 5_000; i++) queue.push(i);
    const out: number[] = [];
    for (let i = 0; i < 3_000; i++) out.push(queue.shift()!);
    for (let i = 5_000; i < 6_000; i++) queue.push(i);
    expect(queue.length).toBe(3_000);
    expect(queue.peek()).toBe(3_000);
    while (queue.length > 0) out.push(queue.shift()!);
    expect(out).toEqual(Array.from({ length: 6_000 }, (_, i) => i));
    expect(queue.shift()).toBeUndefined();
    expect(queue.peek()).toBeUndefined();
  });

  it('drops what was consumed, so a long-lived queue does not keep it', () => {
    const queue = new HeadQueue<object>();
    for (let i = 0; i < 10_000; i++) {
      queue.push({ i });
      queue.shift();
    }
    expect(queue['items'].length).toBeLessThanOrEqual(2 * 1024 + 2);
  });

  it('behaves like an array used with push, shift, unshift and clear', () => {
    const op = fc.oneof(
      fc.record({ push: fc.integer() }),
      fc.constant('shift' as const),
      fc.record({ unshift: fc.array(fc.integer(), { maxLength: 3 }) }),
      fc.constant('clear' as const),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(op, fc.nat(2500)), { maxLength: 40 }), (ops) => {
        const queue = new HeadQueue<number>();
        const model: number[] = [];
        for (const [o, n] of ops) {
          if (o === 'shift') {
            for (let i = 0; i <= n % 1500; i++) if (queue.shift() !== model.shift()) return false;
          } else if (o === 'clear') {
            queue.clear();
            model.length = 0;
          } else if ('push' in o) {
            for (let i = 0; i <= n; i++) {
              queue.push(o.push + i);
              model.push(o.push + i);
            }
          } else {
            queue.unshift(...o.unshift);
            model.unshift(...o.unshift);
          }
          if (queue.length !== model.length || queue.peek() !== model[0]) return false;
        }
        return JSON.stringify([...queue]) === JSON.stringify(model);
      }),
      { numRuns: 100 },
    );
  });

  it('lets go of an item once it is shifted, so the item can be collected while the queue lives on', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const queue = new HeadQueue<{ payload: string }>();
    let item: { payload: string } | undefined = { payload: 'x'.repeat(1_000) };
    const ref = new WeakRef(item);
    queue.push(item);
    queue.push({ payload: 'still queued' });
    expect(queue.shift()).toBe(item);
    item = undefined;
    // Collected only when nothing, the queue's array included, holds it; let the WeakRef's own hold lapse first.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(ref.deref()).toBeUndefined();
    expect(queue.length).toBe(1);
  });
});
