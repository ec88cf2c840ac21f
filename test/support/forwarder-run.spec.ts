import { forwardArgs, waitForDeliveries, waitForRequests } from './forwarder-run';
import type { TestTarget } from './target';

describe('forwarder-run helpers', () => {
  it('writes flags as the forward command line, in the order given: lists repeat, true stands alone, undefined is left out', () => {
    expect(
      forwardArgs({
        topic: 'orders',
        'target-url': 'http://127.0.0.1:9/hook',
        group: undefined,
        workers: 4,
        'retry-4xx': true,
        'signing-secret': ['whsec_a', 'whsec_b'],
        'idle-exit': '2s',
      }),
    ).toEqual([
      '--topic',
      'orders',
      '--target-url',
      'http://127.0.0.1:9/hook',
      '--workers',
      '4',
      '--retry-4xx',
      '--signing-secret',
      'whsec_a',
      '--signing-secret',
      'whsec_b',
      '--idle-exit',
      '2s',
    ]);
  });

  it('stops waiting for deliveries at once, with the forwarder output, when the forwarder exits first', async () => {
    const target = { deliveries: () => new Map<string, number>() } as unknown as TestTarget;
    const forwarder = { exited: Promise.resolve(2), output: () => "error: unknown option '--bogus'" };
    const started = Date.now();
    await expect(waitForDeliveries(target, 3, forwarder)).rejects.toThrow(
      "the forwarder exited with 2:\nerror: unknown option '--bogus'",
    );
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('waits until the target has had as many requests as asked, and no longer', async () => {
    const received: unknown[] = [];
    const target = { received } as unknown as TestTarget;
    const running = { exited: new Promise<number | null>(() => undefined), output: () => '' };
    setTimeout(() => received.push({}), 50);
    setTimeout(() => received.push({}), 100);
    let done = false;
    const waiting = waitForRequests(target, 2, { forwarder: running }).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(done).toBe(false);
    await waiting;
    expect(received).toHaveLength(2);
    await expect(waitForRequests(target, 3, { timeoutMs: 300 })).rejects.toThrow(
      'Timed out after 300 ms waiting for 3 request(s) at the target',
    );
  });
});
