import { connect } from 'node:net';
import { kafkaScript, runCluster, type LocalCluster } from '../setup/test-kafka';
import { readAll } from '../support/kcat';
import { TestKafka } from '../support/kafka-admin';
import { freePort, startForwarder, stopAll, waitFor } from '../support/processes';
import { forwardArgs, forwardTopic, forwarderMetrics, numberedRecords } from '../support/forwarder-run';
import { rssMb } from '../../scripts/shared/system';
import { TestTarget } from '../support/target';

const RECORDS = 10_000;
const MAX_PENDING = 200;
const RATE = 400;
/** broker.session.timeout.ms (9 s) plus a commit interval. */
const COORDINATOR_FAILOVER_S = 10;

type Forwarder = ReturnType<typeof startForwarder>;

/** Whether something listens on the loopback port (a killed broker's port refuses connections). */
function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('forwarder failures', () => {
  let cluster: LocalCluster;
  let kafka: TestKafka;
  const targets: TestTarget[] = [];

  beforeAll(() => {
    cluster = runCluster();
    kafka = new TestKafka(cluster.brokers);
  });

  afterAll(async () => {
    await stopAll();
    await Promise.all(targets.map((t) => t.stop()));
    await kafkaScript(cluster, 'up').catch(() => undefined);
  });

  it('drains 10 000 records through a rebalance storm and a broker killed mid-run: nothing lost, commits at the end', async () => {
    const topic = await kafka.createTopic('storm', 6);
    const group = `${topic}-g`;
    await kafka.produce(topic, numberedRecords(RECORDS, 100));
    const sink = await new TestTarget(() => ({ status: 200, delayMs: 2 })).start();
    targets.push(sink);
    const args = forwardArgs({
      topic,
      'target-url': sink.url,
      brokers: cluster.brokers,
      group,
      workers: 8,
      'max-pending': MAX_PENDING,
      rate: RATE,
      'session-timeout': '6s',
    });

    const running: Forwarder[] = [startForwarder(args)];
    let joins = 1;
    let leaves = 0;
    let killedBroker: number | undefined;
    let deliveredAtKill = 0;
    const stormStarted = Date.now();
    // Every 3 s an instance joins or leaves (1 to 3 running), for 45 s; a broker dies at 12 s, or
    // once a third of the records are delivered if that comes first, so it always dies mid-run.
    while (Date.now() - stormStarted < 45_000 && sink.deliveries().size < RECORDS) {
      await new Promise((r) => setTimeout(r, 3_000));
      if (killedBroker === undefined && (Date.now() - stormStarted > 12_000 || sink.deliveries().size >= RECORDS / 3)) {
        killedBroker = await kafka.busiestLeader(topic);
        await kafkaScript(cluster, 'kill-node', String(killedBroker));
        deliveredAtKill = sink.deliveries().size;
        // kafka.sh says nothing when the node was not running: check that its port really closes.
        const port = cluster.port + killedBroker - 1;
        await waitFor(
          `broker ${killedBroker} (port ${port}) to be down`,
          async () => !(await acceptsConnections(port)),
          10_000,
          100,
        );
      }
      if (running.length < 3 && (running.length === 1 || Math.random() < 0.5)) {
        running.push(startForwarder(args));
        joins++;
      } else {
        const leaving = running.splice(Math.floor(Math.random() * running.length), 1)[0];
        // Mostly clean stops; every third leave is a crash.
        await leaving.stop(leaves % 3 === 2 ? 'SIGKILL' : 'SIGTERM', 40_000);
        leaves++;
      }
    }
    if (killedBroker !== undefined) await kafkaScript(cluster, 'start-node', String(killedBroker));
    for (const f of running.splice(0)) expect(await f.stop('SIGTERM', 40_000)).toBe(0);

    // A last instance drains whatever is left and stops when idle.
    const last = startForwarder([...args, '--idle-exit', '3s']);
    expect(await last.exited).toBe(0);

    const delivered = sink.deliveries();
    const dead = await readAll(cluster.brokers, `${topic}.dlq`).catch(() => []);
    const duplicates = [...delivered.values()].reduce((sum, n) => sum + n - 1, 0);
    // A leave loses at most a window plus a second of uncommitted work. The killed broker may be the
    // group's coordinator: commits then fail until the controller fences it (broker.session.timeout.ms,
    // 9 s), while deliveries go on at --rate, and the next owner repeats them.
    const bound =
      leaves * (MAX_PENDING + RATE) + (killedBroker === undefined ? 0 : MAX_PENDING + RATE * COORDINATOR_FAILOVER_S);
    console.log(
      `rebalance storm: ${joins} joins, ${leaves} leaves (${Math.floor(leaves / 3)} by kill -9), broker ${killedBroker ?? '-'} killed; ` +
        `${delivered.size} of ${RECORDS} delivered, ${dead.length} dead-lettered, ${duplicates} duplicate deliveries (bound ${bound})`,
    );
    expect(killedBroker).toBeDefined();
    expect(deliveredAtKill).toBeLessThan(RECORDS);
    expect(delivered.size + dead.length).toBe(RECORDS);
    expect(dead).toEqual([]);
    expect(duplicates).toBeLessThanOrEqual(bound);
    expect(await kafka.committedOffsets(group, topic)).toEqual(await kafka.endOffsets(topic));
  }, 600_000);

  it('against a target that hangs: timeouts fire, the circuit opens, nothing is dead-lettered, memory stays bounded', async () => {
    const topic = await kafka.createTopic('hang', 3);
    await kafka.produce(
      topic,
      Array.from({ length: 2_000 }, (_, i) => ({
        key: `k${i % 20}`,
        value: JSON.stringify({ i, pad: 'x'.repeat(1000) }),
      })),
    );
    let hanging = true;
    const target = await new TestTarget(() => (hanging ? { status: 200, hang: true } : { status: 200 })).start();
    targets.push(target);
    const port = await freePort();
    const forwarder = forwardTopic(topic, target, {
      brokers: cluster.brokers,
      workers: 16,
      timeout: '1s',
      retries: 1,
      'retry-delay': '100ms',
      'retry-max-delay': '500ms',
      'circuit-threshold': 5,
      'circuit-cooldown': '1s',
      'health-port': port,
      'idle-exit': '3s',
    });
    const metric = async (line: RegExp) => {
      const text = await forwarderMetrics(port);
      return Number(line.exec(text)?.[1] ?? NaN);
    };
    await waitFor(
      'the circuit to open',
      async () => (await metric(/kafka_gateway_forwarder_circuit_state\{state="open"[^}]*\} (\d+)/)) === 1,
      30_000,
      250,
    );

    const rss: number[] = [];
    for (let i = 0; i < 15; i++) {
      rss.push(rssMb(forwarder.child.pid!)!);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const timeouts = await metric(/kafka_gateway_forwarder_delivery_attempts_total\{result="timeout"[^}]*\} (\d+)/);
    const inFlight = await metric(/kafka_gateway_forwarder_in_flight_deliveries\{[^}]*\} (\d+)/);
    expect(timeouts).toBeGreaterThan(0);
    expect(inFlight).toBeLessThanOrEqual(16);

    hanging = false;
    expect(await forwarder.exited).toBe(0);
    const delivered = target.deliveries();
    const dead = await readAll(cluster.brokers, `${topic}.dlq`).catch(() => []);
    console.log(
      `hanging target: ${timeouts} timed-out attempts, circuit opened, RSS ${Math.min(...rss).toFixed(0)}-${Math.max(...rss).toFixed(0)} MB over 15 s of hanging, ${delivered.size} delivered after, ${dead.length} dead-lettered`,
    );
    expect(dead).toEqual([]);
    expect(delivered.size).toBe(2_000);
    expect(Math.max(...rss)).toBeLessThan(300);
    expect(Math.max(...rss) - Math.min(...rss)).toBeLessThan(50);
    expect(forwarder.output()).toMatch(/circuit open/);
  }, 300_000);
});
