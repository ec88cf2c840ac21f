import type { Message } from 'kafkajs';
import { forwardArgs, type ForwardFlags } from '../../scripts/shared/forwarder-command';
import { TestKafka, testBrokers } from './kafka-admin';
import { startForwarder, stopAll, waitFor, type AppProcess } from './processes';
import { TestTarget } from './target';

export { forwardArgs, type ForwardFlags };

/**
 * What a describe block of forwarder tests shares: the tests' Kafka, and targets started through
 * `startTarget`. After all its tests, every process the file started is killed and every such
 * target stopped.
 */
export function forwarderSuite(): {
  brokers: string;
  kafka: TestKafka;
  startTarget: (decide?: ConstructorParameters<typeof TestTarget>[0]) => Promise<TestTarget>;
} {
  const brokers = testBrokers();
  const targets: TestTarget[] = [];
  afterAll(async () => {
    await stopAll();
    await Promise.all(targets.map((target) => target.stop()));
  });
  return {
    brokers,
    kafka: new TestKafka(brokers),
    startTarget: (decide) => {
      const target = new TestTarget(decide);
      targets.push(target);
      return target.start();
    },
  };
}

/**
 * Starts the built forwarder from `topic` to the target, on the tests' Kafka, in group `<topic>-g`;
 * `flags` add to these or replace them (`group: undefined` leaves --group out).
 */
export function forwardTopic(
  topic: string,
  target: { url: string },
  flags: Partial<ForwardFlags> = {},
  env: Record<string, string> = {},
): ReturnType<typeof startForwarder> {
  const brokers = 'brokers' in flags ? flags.brokers : testBrokers();
  return startForwarder(forwardArgs({ topic, 'target-url': target.url, brokers, group: `${topic}-g`, ...flags }), env);
}

/** `count` records keyed `k<i % keys>` (every record its own key unless given) with the value `{"i":<i>}`. */
export function numberedRecords(count: number, keys = count): Message[] {
  return Array.from({ length: count }, (_, i) => ({ key: `k${i % keys}`, value: JSON.stringify({ i }) }));
}

/** The Prometheus text a forwarder serves on its --health-port. */
export async function forwarderMetrics(healthPort: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
}

/** A started forwarder, as far as waiting on it goes. */
type Running = Pick<AppProcess, 'exited' | 'output'>;

/**
 * Waits until the target has had at least `count` requests (answered, whatever the status), or
 * fails with the reason: the timeout, or the forwarder's exit and its output when one is given.
 */
export function waitForRequests(
  target: TestTarget,
  count: number,
  { forwarder, timeoutMs = 60_000 }: { forwarder?: Running; timeoutMs?: number } = {},
): Promise<void> {
  return whileRunning(forwarder, `${count} request(s) at the target`, () => target.received.length >= count, timeoutMs);
}

/**
 * Waits until the target has answered `count` distinct records with a 2xx; fails within a poll,
 * with the forwarder's output, if the forwarder exits first.
 */
export function waitForDeliveries(
  target: TestTarget,
  count: number,
  forwarder: Running,
  timeoutMs = 60_000,
): Promise<void> {
  return whileRunning(forwarder, `${count} deliveries`, () => target.deliveries().size === count, timeoutMs);
}

async function whileRunning(
  forwarder: Running | undefined,
  what: string,
  reached: () => boolean,
  timeoutMs: number,
): Promise<void> {
  let exit: { code: number | null } | undefined;
  void forwarder?.exited.then((code) => (exit = { code }));
  const outcome = await waitFor(what, async () => (reached() ? 'reached' : exit && 'exited'), timeoutMs);
  if (outcome === 'exited') throw new Error(`the forwarder exited with ${exit?.code}:\n${forwarder?.output()}`);
}
