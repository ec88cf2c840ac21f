// npm run bench:forwarder — the forwarder against ceilings measured in the same run, medians of
// BENCH_RUNS (3) runs:
// - drain: 60 000 keyed records of 1 KiB in 6 partitions (written with kcat) into a sink
//   that answers 200 at once; with --workers auto (the default) and fixed values. Deliveries/s
//   against the sink's ceiling (autocannon, c=64), CPU µs per delivery (/proc/<pid>/stat over
//   the drain), peak RSS. Kafka's consumer perf test is the Kafka ceiling.
//   With --batch-max 10 and 100 (BENCH_BATCHES): records/s and CPU µs per record.
//   The floor (forwarder-floor.ts): kafkajs, the envelope and undici with nothing else,
//   one record and the largest batch to a request, drained the same way; the forwarder's CPU per
//   record against it is what its own machinery costs.
// - adaptive concurrency, defaults throughout: the ingress's webhook simulator (50-2000 ms,
//   5% 500, 5% 400, 2% 503) with 3 000 keyed records in 15 partitions; a target that answers 503
//   beyond 8 requests in flight (20 ms otherwise) with 12 000 records; a target whose latency
//   jumps from 5 ms to 500 ms mid-run.
// - --filter: the compiled expression alone, and a drain through a filter that keeps half.
import { freePort, waitForHttp } from '../shared/system';
import { drain, fillKeyed, floorDrain, kafkaConsumerPerf, type Drain } from './forwarder/drain';
import {
  cappedTarget,
  latencyJump,
  slowTarget,
  type CappedRun,
  type JumpRun,
  type SlowRun,
} from './forwarder/adaptive';
import { RECORDS, RUNS, TOPIC } from './forwarder/settings';
import { filterReport, filterRuns } from './forwarder/filter';
import { report } from './forwarder/report';
import * as lib from './lib';

const FIXED = (process.env.BENCH_FIXED_WORKERS || '16,64,256').split(',').map(Number);
/** --batch-max values drained with --workers auto besides single records. */
const BATCHES = (process.env.BENCH_BATCHES || '10,100').split(',').map(Number);
const CEILING_CONNECTIONS = 64;

async function main(): Promise<void> {
  const cluster = lib.startKafka();
  lib.cleanupOnExit(() => cluster.stop());
  console.error(`filling ${TOPIC} with ${RECORDS} keyed records of 1 KiB...`);
  // Keyed: records without a key keep partition order (one at a time per partition).
  fillKeyed(cluster.brokers, TOPIC, 6, RECORDS, 1000);

  const sinkPort = await freePort();
  const sink = lib.startProcess([lib.serverScript('sink-server'), String(sinkPort)]);
  const sinkUrl = `http://127.0.0.1:${sinkPort}/hook`;
  await waitForHttp(`http://127.0.0.1:${sinkPort}/stats`, 10_000);
  const envelope = JSON.stringify({
    topic: TOPIC,
    partition: 0,
    offset: 12345,
    key: null,
    value: { raw_message: 'x'.repeat(1024) },
    headers: {},
    timestamp: new Date().toISOString(),
  });
  lib.autocannon({ url: sinkUrl, body: envelope, connections: CEILING_CONNECTIONS, durationS: 3 });
  const sinkCeiling = lib.autocannon({ url: sinkUrl, body: envelope, connections: CEILING_CONNECTIONS, durationS: 15 });
  const consumerCeiling = kafkaConsumerPerf(cluster.brokers);

  const drains = await drainRuns(cluster.brokers, sinkPort);
  const axios =
    process.env.BENCH_AXIOS === '0'
      ? undefined
      : await drain(cluster.brokers, sinkPort, ['--http-client', 'axios'], `bench-axios-${Date.now()}`);
  const filtered = await filterRuns(cluster.brokers, sinkPort);
  await lib.stopProcess(sink);

  const { slow, capped, jump } = await adaptiveRuns(cluster.brokers);
  const met = report({
    fixed: FIXED,
    batches: BATCHES,
    floors: floorSizes(),
    ceilingConnections: CEILING_CONNECTIONS,
    sinkCeiling,
    consumerCeiling,
    drains,
    axios,
    slow,
    capped,
    jump,
  });
  const filter = filterReport(filtered, sinkCeiling.rps);
  console.log(`${filter.text}\n`);
  lib.saveResult('forwarder-filter', filtered);
  process.exitCode = met && filter.met ? 0 : 1;
}

/** BENCH_RUNS drains of the topic into the sink, with --workers auto, each fixed value, each batch size and the floor. */
async function drainRuns(brokers: string, sinkPort: number): Promise<Record<string, Drain[]>> {
  const forwarder = (flags: string[]) => (group: string) => drain(brokers, sinkPort, flags, group);
  const configs: [string, string, (group: string) => Promise<Drain>][] = [
    ['auto', '--workers auto', forwarder([])],
    ...FIXED.map((n): [string, string, (group: string) => Promise<Drain>] => [
      String(n),
      `--workers ${n}`,
      forwarder(['--workers', String(n)]),
    ]),
    ...BATCHES.map((n): [string, string, (group: string) => Promise<Drain>] => [
      `batch ${n}`,
      `--batch-max ${n}`,
      forwarder(['--batch-max', String(n)]),
    ]),
    ...floorSizes().map((n): [string, string, (group: string) => Promise<Drain>] => [
      `floor ${n}`,
      `floor, ${n} per request`,
      (group) => floorDrain(brokers, sinkPort, n, group),
    ]),
  ];
  const drains: Record<string, Drain[]> = Object.fromEntries(configs.map(([name]) => [name, []]));
  for (let run = 1; run <= RUNS; run++) {
    for (const [name, label, drainOnce] of configs) {
      const result = await drainOnce(`bench-${name.replace(' ', '-')}-${run}-${Date.now()}`);
      drains[name].push(result);
      console.error(
        `run ${run}, ${label}: ${lib.fmt(result.perSec)} deliveries/s, ${result.cpuUs.toFixed(1)} CPU µs/delivery, peak RSS ${lib.fmt(result.peakRssMb, 1)} MB`,
      );
    }
  }
  return drains;
}

/** Records per request of the floor's rows: one, and the largest --batch-max measured. */
function floorSizes(): number[] {
  return BATCHES.length ? [1, Math.max(...BATCHES)] : [1];
}

/** BENCH_RUNS of each adaptive-concurrency row, interleaved. */
async function adaptiveRuns(brokers: string) {
  const slow: SlowRun[] = [];
  const capped: CappedRun[] = [];
  const jump: JumpRun[] = [];
  for (let run = 1; run <= RUNS; run++) {
    slow.push(await slowTarget(brokers, run));
    capped.push(await cappedTarget(brokers, run));
    jump.push(await latencyJump(brokers, run));
  }
  return { slow, capped, jump };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
