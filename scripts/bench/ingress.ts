// npm run bench:ingress — what one request costs the ingress, beside what the same request costs
// the framework it runs on, measured in the same run on the same machine:
//   - a bare Node HTTP server (no framework, no Kafka): the HTTP ceiling;
//   - the Nest 11 + platform-express floor (nest-floor.ts: one @Post() controller, express.json);
//   - the ingress, POST /produce with 1 KiB payloads at c=64;
//   - the ingress, POST /produce/batch with 100 records of 1 KiB at c=16, beside
//     kafka-producer-perf-test (acks=all, idempotent): the Kafka ceiling;
//   - the ingress, POST /produce at a steady 500 req/s, without Idempotency-Key and with a fresh
//     one on every request (the shared store: a claim and a result in Kafka per request).
//   - a second ingress with INGRESS_CREDENTIALS_FILE of 1 000 named credentials (each with its own
//     topic globs), POST /produce as one of them at c=64: what authentication and scopes cost.
//   - payload contracts (contracts.ts): a 10-field payload with no contract, a file contract and
//     registry contracts (JSON Schema, Avro), each on its own ingress.
// Throughput on a shared machine is noisy, so every server is also measured in CPU µs per request
// (from /proc/<pid>/stat over the measured window), and the bars are ratios within one run.
// Prints one table of medians of BENCH_RUNS runs; exits 1 when a bar is missed.
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg, tmpdir } from 'node:os';
import { cpuSeconds, freePort, peakRssMb, waitForHttp, waitForPort } from '../shared/system';
import {
  CONTRACT_CPU_GOAL,
  CONTRACT_LABELS,
  contractBody,
  CONTRACTS_ENABLED,
  setUpContracts,
  type ContractMode,
} from './contracts';
import * as lib from './lib';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 64);
const BATCH_CONNECTIONS = Number(process.env.BENCH_BATCH_CONNECTIONS || 16);
const BATCH_RECORDS = 100;
const DURATION_S = Number(process.env.BENCH_DURATION_S || 15);
const RUNS = Number(process.env.BENCH_RUNS || 3);
const PERF_RECORDS = Number(process.env.BENCH_PERF_RECORDS || 200_000);
const TOPIC = 'bench-ingress';
const STEADY_RATE = 500;
const STEADY_CONNECTIONS = 16;
const BAR = {
  rpsOfFloor: 0.8,
  cpuOfFloor: 1.25,
  p99Ms: 30,
  batchOfPerfTest: 0.8,
  rssMb: 150,
  keyedP99ExtraMs: 10,
  cpuOfNoAuth: 1.05,
};
const CREDENTIALS = 1_000;
const BENCH_KEY = 'bench-credential-0123456789abcdef';

interface Server {
  child: ChildProcess;
  base: string;
  url: string;
}
type ServerName = 'bare' | 'floor' | 'ingress' | 'credentials';
interface Measure {
  rps: number;
  recordsPerSec: number;
  p50: number;
  p99: number;
  cpuUs: number;
  failed: number;
}
interface PerfTest {
  recordsPerSec: number;
  avgLatencyMs: number;
  p99Ms: number;
}
interface Runs {
  bare: Measure[];
  floor: Measure[];
  ingress: Measure[];
  credentials: Measure[];
  batch: Measure[];
  steady: Measure[];
  keyed: Measure[];
  perf: PerfTest[];
  contracts: Record<ContractMode, Measure[]>;
}
const CONTRACT_MODES: ContractMode[] = ['none', 'file', 'registryJson', 'registryAvro'];
type Summary = Measure & { peakRssMb?: number };

async function main(): Promise<void> {
  const cluster = lib.startKafka({ port: process.env.BENCH_KAFKA_PORT });
  lib.cleanupOnExit(() => cluster.stop());
  lib.createTopic(cluster.brokers, TOPIC, 6);
  lib.createTopic(cluster.brokers, 'bench-producer-perf', 6);
  const payload = { data: '' };
  payload.data = 'x'.repeat(1024 - JSON.stringify(payload).length);
  const body = JSON.stringify({ topic: TOPIC, key: null, payload });
  const batchBody = JSON.stringify({
    topic: TOPIC,
    messages: Array.from({ length: BATCH_RECORDS }, () => ({ key: null, payload })),
  });

  const servers: Record<ServerName, Server> = {
    bare: await start([lib.serverScript('bare-server')], '/'),
    floor: await start([lib.serverScript('nest-floor')], '/produce'),
    ingress: await start([...lib.gatewayNodeFlags, join(lib.repo, 'dist/apps/ingress/main.js')], '/produce', {
      KAFKA_BROKERS: cluster.brokers,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    }),
    credentials: await start([...lib.gatewayNodeFlags, join(lib.repo, 'dist/apps/ingress/main.js')], '/produce', {
      KAFKA_BROKERS: cluster.brokers,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      INGRESS_CREDENTIALS_FILE: credentialsFile(),
    }),
  };
  await waitForHttp(`${servers.ingress.base}/health/ready`);
  await waitForHttp(`${servers.credentials.base}/health/ready`);
  const keyed = { 'content-type': 'application/json', 'x-api-key': BENCH_KEY };
  const batchUrl = `${servers.ingress.base}/produce/batch`;
  const contracts = CONTRACTS_ENABLED ? await setUpContracts(cluster.brokers) : undefined;
  const contractServers = new Map<ContractMode, Server>();
  if (contracts) {
    contractServers.set('none', servers.ingress);
    for (const mode of ['file', 'registryJson', 'registryAvro'] as const) {
      const server = await start([...lib.gatewayNodeFlags, join(lib.repo, 'dist/apps/ingress/main.js')], '/produce', {
        KAFKA_BROKERS: cluster.brokers,
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ...contracts.env[mode],
      });
      await waitForHttp(`${server.base}/health/ready`);
      contractServers.set(mode, server);
    }
  }

  // Warm up (JIT, connections, the producer's metadata) before measuring.
  for (const server of Object.values(servers))
    lib.autocannon({
      url: server.url,
      body,
      connections: CONNECTIONS,
      durationS: 3,
      headers: server === servers.credentials ? keyed : undefined,
    });
  lib.autocannon({ url: batchUrl, body: batchBody, connections: BATCH_CONNECTIONS, durationS: 3 });
  for (const [mode, server] of contractServers)
    lib.autocannon({ url: server.url, body: contractBody(mode), connections: CONNECTIONS, durationS: 3 });

  const runs: Runs = {
    bare: [],
    floor: [],
    ingress: [],
    credentials: [],
    batch: [],
    steady: [],
    keyed: [],
    perf: [],
    contracts: { none: [], file: [], registryJson: [], registryAvro: [] },
  };
  for (let run = 1; run <= RUNS; run++) {
    for (const name of ['bare', 'floor', 'ingress'] as const)
      runs[name].push(measure(servers[name], servers[name].url, body, CONNECTIONS, 1));
    runs.credentials.push(measure(servers.credentials, servers.credentials.url, body, CONNECTIONS, 1, keyed));
    runs.batch.push(measure(servers.ingress, batchUrl, batchBody, BATCH_CONNECTIONS, BATCH_RECORDS));
    runs.steady.push(measure(servers.ingress, servers.ingress.url, body, STEADY_CONNECTIONS, 1, undefined, true));
    const key = { 'content-type': 'application/json', 'idempotency-key': '[<id>]' };
    runs.keyed.push(measure(servers.ingress, servers.ingress.url, body, STEADY_CONNECTIONS, 1, key, true));
    runs.perf.push(kafkaProducerPerf(cluster.brokers));
    // Every other run in reverse order, so a machine growing busier or quieter does not favour one mode.
    const modes = [...contractServers];
    for (const [mode, server] of run % 2 === 1 ? modes : modes.reverse())
      runs.contracts[mode].push(measure(server, server.url, contractBody(mode), CONNECTIONS, 1));
    const last = <K extends Exclude<keyof Runs, 'contracts'>>(name: K) => runs[name].at(-1) as Runs[K][number];
    console.error(
      `run ${run}/${RUNS}: bare ${lib.fmt(last('bare').rps)}, floor ${lib.fmt(last('floor').rps)}, ingress ${lib.fmt(last('ingress').rps)}, with credentials ${lib.fmt(last('credentials').rps)} req/s;` +
        ` batch ${lib.fmt(last('batch').recordsPerSec)} rec/s, perf-test ${lib.fmt(last('perf').recordsPerSec)} rec/s; load ${loadAverage()}`,
    );
  }
  const peakRss = {
    bare: peakRssMb(servers.bare.child.pid!),
    floor: peakRssMb(servers.floor.child.pid!),
    ingress: peakRssMb(servers.ingress.child.pid!),
    credentials: peakRssMb(servers.credentials.child.pid!),
  };
  for (const server of new Set([...Object.values(servers), ...contractServers.values()]))
    await lib.stopProcess(server.child);
  contracts?.stop();
  process.exitCode = report(runs, peakRss, Buffer.byteLength(body)) ? 0 : 1;
}

function summary(runs: Measure[]): Measure {
  return {
    rps: lib.medianOf(runs, 'rps'),
    recordsPerSec: lib.medianOf(runs, 'recordsPerSec'),
    p50: lib.medianOf(runs, 'p50'),
    p99: lib.medianOf(runs, 'p99'),
    cpuUs: lib.medianOf(runs, 'cpuUs'),
    failed: runs.reduce((sum, r) => sum + r.failed, 0),
  };
}

/** The medians of the runs, their ratios and which bars they meet. */
function verdict(runs: Runs, peakRss: Record<ServerName, number>, bodyBytes: number) {
  const setup = {
    connections: CONNECTIONS,
    batchConnections: BATCH_CONNECTIONS,
    batchRecords: BATCH_RECORDS,
    durationS: DURATION_S,
    runs: RUNS,
    recordBytes: 1024,
    bodyBytes,
    partitions: 6,
    kafkaNodes: 1,
  };
  const result = {
    setup,
    bare: { ...summary(runs.bare), peakRssMb: peakRss.bare } as Summary,
    floor: { ...summary(runs.floor), peakRssMb: peakRss.floor } as Summary,
    ingress: { ...summary(runs.ingress), peakRssMb: peakRss.ingress } as Summary,
    credentials: { ...summary(runs.credentials), peakRssMb: peakRss.credentials } as Summary,
    batch: summary(runs.batch) as Summary,
    steady: summary(runs.steady) as Summary,
    keyed: summary(runs.keyed) as Summary,
    kafkaProducerPerf: {
      recordsPerSec: lib.medianOf(runs.perf, 'recordsPerSec'),
      avgLatencyMs: lib.medianOf(runs.perf, 'avgLatencyMs'),
      p99Ms: lib.medianOf(runs.perf, 'p99Ms'),
    },
    contracts: Object.fromEntries(
      CONTRACT_MODES.filter((mode) => runs.contracts[mode].length > 0).map((mode) => [
        mode,
        summary(runs.contracts[mode]),
      ]),
    ) as Partial<Record<ContractMode, Measure>>,
    runs,
    loadAverage: loadAverage(),
  };
  const ratios = {
    rpsOfFloor: result.ingress.rps / result.floor.rps,
    cpuOfFloor: result.ingress.cpuUs / result.floor.cpuUs,
    batchOfPerfTest: result.batch.recordsPerSec / result.kafkaProducerPerf.recordsPerSec,
    cpuOfNoAuth: result.credentials.cpuUs / result.ingress.cpuUs,
  };
  const met = {
    rpsOfFloor: ratios.rpsOfFloor >= BAR.rpsOfFloor,
    cpuOfFloor: ratios.cpuOfFloor <= BAR.cpuOfFloor,
    p99Ms: result.ingress.p99 <= BAR.p99Ms,
    batchOfPerfTest: ratios.batchOfPerfTest >= BAR.batchOfPerfTest,
    rssMb: peakRss.ingress <= BAR.rssMb,
    keyedP99ExtraMs: result.keyed.p99 - result.steady.p99 <= BAR.keyedP99ExtraMs,
    cpuOfNoAuth: ratios.cpuOfNoAuth <= BAR.cpuOfNoAuth,
    noFailures: [result.ingress, result.batch, result.credentials, result.steady, result.keyed].every(
      (r) => r.failed === 0,
    ),
  };
  return { result, ratios, met };
}

/** Prints the table and the bars, saves the result; true when every bar is met. */
function report(runs: Runs, peakRss: Record<ServerName, number>, bodyBytes: number): boolean {
  const { result, ratios, met } = verdict(runs, peakRss, bodyBytes);
  const saved = { ...result, ratios, bar: { ...BAR, met } };
  const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const row = (label: string, r: Measure, rss: number) =>
    `  ${label.padEnd(34)}${lib.fmt(r.rps).padStart(8)}${lib.fmt(r.p50, 1).padStart(8)}${lib.fmt(r.p99, 1).padStart(8)}${lib.fmt(r.cpuUs, 1).padStart(10)}${lib.fmt(rss).padStart(10)}`;
  const p = result.kafkaProducerPerf;
  console.log(`
Ingress benchmark: ${DURATION_S} s x ${RUNS} runs, medians; 1 KiB payloads (${bodyBytes}-byte bodies), 1-node Kafka, acks=all${lib.nodeFlagsNote()}
                                       req/s  p50 ms  p99 ms  CPU µs/req  peak RSS MB
${row(`bare Node http server, c=${CONNECTIONS}`, result.bare, peakRss.bare)}
${row(`Nest 11 + platform-express floor`, result.floor, peakRss.floor)}
${row(`ingress POST /produce, c=${CONNECTIONS}`, result.ingress, peakRss.ingress)}
${row(`ingress + ${lib.fmt(CREDENTIALS)} credentials, c=${CONNECTIONS}`, result.credentials, peakRss.credentials)}
${row(`ingress /produce/batch x${BATCH_RECORDS}, c=${BATCH_CONNECTIONS}`, result.batch, peakRss.ingress)}
${row(`ingress /produce at ${STEADY_RATE} req/s`, result.steady, peakRss.ingress)}
${row(`  the same, fresh Idempotency-Key`, result.keyed, peakRss.ingress)}
  /produce/batch: ${lib.fmt(result.batch.recordsPerSec)} records/s, ${lib.fmt(result.batch.cpuUs / BATCH_RECORDS, 1)} CPU µs per record
  kafka-producer-perf-test (acks=all, idempotent, ${PERF_RECORDS} x 1 KiB): ${lib.fmt(p.recordsPerSec)} records/s, avg ${lib.fmt(p.avgLatencyMs, 1)} ms, p99 ${lib.fmt(p.p99Ms)} ms
${contractRows(result.contracts, row)}

  ingress req/s / floor req/s       ${ratios.rpsOfFloor.toFixed(2)}   (bar >= ${BAR.rpsOfFloor})    ${mark(met.rpsOfFloor)}
  ingress CPU µs / floor CPU µs     ${ratios.cpuOfFloor.toFixed(2)}   (bar <= ${BAR.cpuOfFloor})   ${mark(met.cpuOfFloor)}
  ingress p99 at c=${CONNECTIONS}              ${lib.fmt(result.ingress.p99, 1)} ms (bar <= ${BAR.p99Ms} ms) ${mark(met.p99Ms)}
  /produce/batch / perf-test        ${ratios.batchOfPerfTest.toFixed(2)}   (bar >= ${BAR.batchOfPerfTest})    ${mark(met.batchOfPerfTest)}
  ingress peak RSS                  ${lib.fmt(peakRss.ingress)} MB (bar <= ${BAR.rssMb} MB) ${mark(met.rssMb)}
  Idempotency-Key p99 extra at ${STEADY_RATE}/s ${lib.fmt(result.keyed.p99 - result.steady.p99, 1)} ms (bar <= ${BAR.keyedP99ExtraMs} ms) ${mark(met.keyedP99ExtraMs)}
  credentials CPU µs / no auth      ${ratios.cpuOfNoAuth.toFixed(2)}   (bar <= ${BAR.cpuOfNoAuth})   ${mark(met.cpuOfNoAuth)}
  non-2xx or errors                 ${[result.ingress, result.batch, result.credentials, result.steady, result.keyed].reduce((n, r) => n + r.failed, 0)}
  load average at the end: ${result.loadAverage} (2 cores; other work on the machine skews req/s more than CPU µs)
  => ${Object.values(met).every(Boolean) ? 'every bar met' : 'BAR NOT MET'}
  saved ${lib.saveResult('ingress', saved)}
`);
  return Object.values(met).every(Boolean);
}

/** The contract rows and their CPU per request against no contract (goal <= CONTRACT_CPU_GOAL). */
function contractRows(
  contracts: Partial<Record<ContractMode, Measure>>,
  row: (label: string, r: Measure, rss: number) => string,
): string {
  const none = contracts.none;
  if (!none) return '  payload contracts: not measured (BENCH_CONTRACTS=false)';
  const lines = CONTRACT_MODES.map((mode) => row(`${CONTRACT_LABELS[mode]}, c=${CONNECTIONS}`, contracts[mode]!, NaN));
  for (const mode of CONTRACT_MODES.slice(1)) {
    const ratio = contracts[mode]!.cpuUs / none.cpuUs;
    lines.push(
      `  ${`${CONTRACT_LABELS[mode]} CPU / none`.padEnd(44)}${ratio.toFixed(2)}   (goal <= ${CONTRACT_CPU_GOAL})  ${ratio <= CONTRACT_CPU_GOAL ? 'met' : 'missed'}`,
    );
  }
  return lines.join('\n');
}

/** A server process on a free port; `url` is the path the load goes to. */
async function start(args: string[], path: string, env: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  const child = lib.startProcess([...args, ...(env.KAFKA_BROKERS ? [] : [String(port)])], {
    ...env,
    PORT: String(port),
  });
  const base = `http://127.0.0.1:${port}`;
  if (!env.KAFKA_BROKERS) await waitForPort(port);
  return { child, base, url: `${base}${path}` };
}

/**
 * One autocannon run against `url`, with the CPU the server used over it. With `steady`, at
 * STEADY_RATE requests a second, with a fresh `[<id>]` in its headers per request.
 */
function measure(
  server: Server,
  url: string,
  body: string,
  connections: number,
  recordsPerRequest: number,
  headers?: Record<string, string>,
  steady = false,
): Measure {
  const pid = server.child.pid!;
  const before = cpuSeconds(pid);
  const load = steady ? { rate: STEADY_RATE, idReplacement: true } : {};
  const r = lib.autocannon({ url, body, connections, durationS: DURATION_S, headers, ...load });
  const used = cpuSeconds(pid) - before;
  return {
    rps: r.rps,
    recordsPerSec: r.rps * recordsPerRequest,
    p50: r.p50,
    p99: r.p99,
    cpuUs: r.total > 0 ? (used * 1e6) / r.total : NaN,
    failed: r.non2xx + r.errors,
  };
}

function kafkaProducerPerf(brokers: string): PerfTest {
  const out = lib.kafkaTool('kafka-producer-perf-test', [
    '--topic',
    'bench-producer-perf',
    '--num-records',
    String(PERF_RECORDS),
    '--record-size',
    '1024',
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${brokers}`,
    'acks=all',
    'enable.idempotence=true',
  ]);
  const last =
    out
      .trim()
      .split('\n')
      .filter((l) => l.includes('records sent'))
      .at(-1) ?? '';
  const num = (re: RegExp) => Number((re.exec(last) ?? [])[1]);
  return {
    recordsPerSec: num(/([\d.]+) records\/sec/),
    avgLatencyMs: num(/([\d.]+) ms avg latency/),
    p99Ms: num(/([\d.]+) ms 99th/),
  };
}

/** 1 000 named credentials, each with its own topic globs and half by sha256; the bench writes as the last. */
function credentialsFile(): string {
  const lines = ['credentials:'];
  for (let i = 1; i < CREDENTIALS; i++) {
    const key = `team-${i}-key-0123456789abcdef`;
    lines.push(`  - name: team-${i}`);
    lines.push(i % 2 ? `    key: "${key}"` : `    sha256: "${createHash('sha256').update(key).digest('hex')}"`);
    lines.push(`    topics: ["team-${i}.*", "shared-${i % 10}"]`);
  }
  lines.push('  - name: bench', `    key: "${BENCH_KEY}"`, `    topics: ["bench-*"]`);
  const file = join(mkdtempSync(join(tmpdir(), 'bench-credentials-')), 'credentials.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
