#!/usr/bin/env node
'use strict';
// npm run bench:ingress — what one request costs the ingress, beside what the same request costs
// the framework it runs on, measured in the same run on the same machine:
//   - a bare Node HTTP server (no framework, no Kafka): the HTTP ceiling;
//   - the Nest 11 + platform-express floor (nest-floor.js: one @Post() controller, express.json);
//   - the ingress, POST /produce with 1 KiB payloads at c=64;
//   - the ingress, POST /produce/batch with 100 records of 1 KiB at c=16, beside
//     kafka-producer-perf-test (acks=all, idempotent): the Kafka ceiling.
// Throughput on a shared machine is noisy, so every server is also measured in CPU µs per request
// (from /proc/<pid>/stat over the measured window), and the bars are ratios within one run.
// Prints one table of medians of BENCH_RUNS runs; exits 1 when a bar is missed.
const { join } = require('node:path');
const lib = require('./lib');

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 64);
const BATCH_CONNECTIONS = Number(process.env.BENCH_BATCH_CONNECTIONS || 16);
const BATCH_RECORDS = 100;
const DURATION_S = Number(process.env.BENCH_DURATION_S || 15);
const RUNS = Number(process.env.BENCH_RUNS || 3);
const PERF_RECORDS = Number(process.env.BENCH_PERF_RECORDS || 200_000);
const TOPIC = 'bench-ingress';
const BAR = { rpsOfFloor: 0.8, cpuOfFloor: 1.25, p99Ms: 30, batchOfPerfTest: 0.8, rssMb: 150 };

async function main() {
  const cluster = lib.startKafka({ port: process.env.BENCH_KAFKA_PORT });
  lib.cleanupOnExit(() => cluster.stop());
  lib.createTopic(cluster.brokers, TOPIC, 6);
  lib.createTopic(cluster.brokers, 'bench-producer-perf', 6);
  const payload = { data: '' };
  payload.data = 'x'.repeat(1024 - JSON.stringify(payload).length);
  const body = JSON.stringify({ topic: TOPIC, key: null, payload });
  const batchBody = JSON.stringify({ topic: TOPIC, messages: Array.from({ length: BATCH_RECORDS }, () => ({ key: null, payload })) });

  const servers = {
    bare: await start([join(__dirname, 'bare-server.js')], '/'),
    floor: await start([join(__dirname, 'nest-floor.js')], '/produce'),
    ingress: await start([join(lib.repo, 'dist/apps/ingress/main.js')], '/produce', { KAFKA_BROKERS: cluster.brokers, HOST: '127.0.0.1', LOG_LEVEL: 'warn' }),
  };
  await lib.waitForHttp(`${servers.ingress.base}/health/ready`);
  const batchUrl = `${servers.ingress.base}/produce/batch`;

  // Warm up (JIT, connections, the producer's metadata) before measuring.
  for (const server of Object.values(servers)) lib.autocannon({ url: server.url, body, connections: CONNECTIONS, durationS: 3 });
  lib.autocannon({ url: batchUrl, body: batchBody, connections: BATCH_CONNECTIONS, durationS: 3 });

  const runs = { bare: [], floor: [], ingress: [], batch: [], perf: [] };
  for (let run = 1; run <= RUNS; run++) {
    for (const [name, server] of Object.entries(servers)) runs[name].push(measure(server, server.url, body, CONNECTIONS, 1));
    runs.batch.push(measure(servers.ingress, batchUrl, batchBody, BATCH_CONNECTIONS, BATCH_RECORDS));
    runs.perf.push(kafkaProducerPerf(cluster.brokers));
    const last = (name) => runs[name].at(-1);
    console.error(
      `run ${run}/${RUNS}: bare ${lib.fmt(last('bare').rps)}, floor ${lib.fmt(last('floor').rps)}, ingress ${lib.fmt(last('ingress').rps)} req/s;` +
        ` batch ${lib.fmt(last('batch').recordsPerSec)} rec/s, perf-test ${lib.fmt(last('perf').recordsPerSec)} rec/s; load ${loadAverage()}`,
    );
  }
  const peakRss = Object.fromEntries(Object.entries(servers).map(([name, server]) => [name, lib.peakRssMb(server.child.pid)]));
  for (const server of Object.values(servers)) await lib.stopProcess(server.child);

  const summary = (name) => ({
    ...Object.fromEntries(['rps', 'recordsPerSec', 'p50', 'p99', 'cpuUs'].map((key) => [key, lib.medianOf(runs[name], key)])),
    failed: runs[name].reduce((sum, r) => sum + r.failed, 0),
  });
  const result = {
    setup: { connections: CONNECTIONS, batchConnections: BATCH_CONNECTIONS, batchRecords: BATCH_RECORDS, durationS: DURATION_S, runs: RUNS, recordBytes: 1024, bodyBytes: Buffer.byteLength(body), partitions: 6, kafkaNodes: 1 },
    bare: { ...summary('bare'), peakRssMb: peakRss.bare },
    floor: { ...summary('floor'), peakRssMb: peakRss.floor },
    ingress: { ...summary('ingress'), peakRssMb: peakRss.ingress },
    batch: summary('batch'),
    kafkaProducerPerf: { recordsPerSec: lib.medianOf(runs.perf, 'recordsPerSec'), avgLatencyMs: lib.medianOf(runs.perf, 'avgLatencyMs'), p99Ms: lib.medianOf(runs.perf, 'p99Ms') },
    runs,
    loadAverage: loadAverage(),
  };
  const ratios = {
    rpsOfFloor: result.ingress.rps / result.floor.rps,
    cpuOfFloor: result.ingress.cpuUs / result.floor.cpuUs,
    batchOfPerfTest: result.batch.recordsPerSec / result.kafkaProducerPerf.recordsPerSec,
  };
  const met = {
    rpsOfFloor: ratios.rpsOfFloor >= BAR.rpsOfFloor,
    cpuOfFloor: ratios.cpuOfFloor <= BAR.cpuOfFloor,
    p99Ms: result.ingress.p99 <= BAR.p99Ms,
    batchOfPerfTest: ratios.batchOfPerfTest >= BAR.batchOfPerfTest,
    rssMb: result.ingress.peakRssMb <= BAR.rssMb,
    noFailures: result.ingress.failed === 0 && result.batch.failed === 0,
  };
  Object.assign(result, { ratios, bar: { ...BAR, met } });

  const mark = (ok) => (ok ? 'met' : 'MISSED');
  const row = (label, r, rss) =>
    `  ${label.padEnd(34)}${lib.fmt(r.rps).padStart(8)}${lib.fmt(r.p50, 1).padStart(8)}${lib.fmt(r.p99, 1).padStart(8)}${lib.fmt(r.cpuUs, 1).padStart(10)}${lib.fmt(rss).padStart(10)}`;
  const p = result.kafkaProducerPerf;
  console.log(`
Ingress benchmark: ${DURATION_S} s x ${RUNS} runs, medians; 1 KiB payloads (${Buffer.byteLength(body)}-byte bodies), 1-node Kafka, acks=all
                                       req/s  p50 ms  p99 ms  CPU µs/req  peak RSS MB
${row(`bare Node http server, c=${CONNECTIONS}`, result.bare, peakRss.bare)}
${row(`Nest 11 + platform-express floor`, result.floor, peakRss.floor)}
${row(`ingress POST /produce, c=${CONNECTIONS}`, result.ingress, peakRss.ingress)}
${row(`ingress /produce/batch x${BATCH_RECORDS}, c=${BATCH_CONNECTIONS}`, result.batch, peakRss.ingress)}
  /produce/batch: ${lib.fmt(result.batch.recordsPerSec)} records/s, ${lib.fmt(result.batch.cpuUs / BATCH_RECORDS, 1)} CPU µs per record
  kafka-producer-perf-test (acks=all, idempotent, ${PERF_RECORDS} x 1 KiB): ${lib.fmt(p.recordsPerSec)} records/s, avg ${lib.fmt(p.avgLatencyMs, 1)} ms, p99 ${lib.fmt(p.p99Ms)} ms

  ingress req/s / floor req/s       ${ratios.rpsOfFloor.toFixed(2)}   (bar >= ${BAR.rpsOfFloor})    ${mark(met.rpsOfFloor)}
  ingress CPU µs / floor CPU µs     ${ratios.cpuOfFloor.toFixed(2)}   (bar <= ${BAR.cpuOfFloor})   ${mark(met.cpuOfFloor)}
  ingress p99 at c=${CONNECTIONS}              ${lib.fmt(result.ingress.p99, 1)} ms (bar <= ${BAR.p99Ms} ms) ${mark(met.p99Ms)}
  /produce/batch / perf-test        ${ratios.batchOfPerfTest.toFixed(2)}   (bar >= ${BAR.batchOfPerfTest})    ${mark(met.batchOfPerfTest)}
  ingress peak RSS                  ${lib.fmt(result.ingress.peakRssMb)} MB (bar <= ${BAR.rssMb} MB) ${mark(met.rssMb)}
  non-2xx or errors                 ${result.ingress.failed + result.batch.failed}
  load average at the end: ${result.loadAverage} (2 cores; other work on the machine skews req/s more than CPU µs)
  => ${Object.values(met).every(Boolean) ? 'every bar met' : 'BAR NOT MET'}
  saved ${lib.saveResult('ingress', result)}
`);
  process.exitCode = Object.values(met).every(Boolean) ? 0 : 1;
}

/** A server process on a free port; `url` is the path the load goes to. */
async function start(args, path, env = {}) {
  const port = await lib.freePort();
  const child = lib.startProcess([...args, ...(env.KAFKA_BROKERS ? [] : [String(port)])], { ...env, PORT: String(port) });
  const base = `http://127.0.0.1:${port}`;
  if (!env.KAFKA_BROKERS) await lib.waitForPort(port);
  return { child, base, url: `${base}${path}` };
}

/** One autocannon run against `url`, with the CPU the server used over it. */
function measure(server, url, body, connections, recordsPerRequest) {
  const before = lib.cpuSeconds(server.child.pid);
  const r = lib.autocannon({ url, body, connections, durationS: DURATION_S });
  const cpuSeconds = lib.cpuSeconds(server.child.pid) - before;
  return {
    rps: r.rps,
    recordsPerSec: r.rps * recordsPerRequest,
    p50: r.p50,
    p99: r.p99,
    cpuUs: r.total > 0 ? (cpuSeconds * 1e6) / r.total : NaN,
    failed: r.non2xx + r.errors,
  };
}

function kafkaProducerPerf(brokers) {
  const out = lib.kafkaTool('kafka-producer-perf-test', [
    '--topic', 'bench-producer-perf', '--num-records', String(PERF_RECORDS), '--record-size', '1024', '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${brokers}`, 'acks=all', 'enable.idempotence=true',
  ]);
  const last = out.trim().split('\n').filter((l) => l.includes('records sent')).at(-1) ?? '';
  const num = (re) => Number((re.exec(last) ?? [])[1]);
  return { recordsPerSec: num(/([\d.]+) records\/sec/), avgLatencyMs: num(/([\d.]+) ms avg latency/), p99Ms: num(/([\d.]+) ms 99th/) };
}

function loadAverage() {
  return require('node:os').loadavg().map((l) => l.toFixed(2)).join(' ');
}

main().catch((error) => {
  console.error(error.stack || error);
  process.exit(1);
});
