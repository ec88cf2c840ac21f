#!/usr/bin/env node
'use strict';
// npm run bench:forwarder — fill a 6-partition topic with 100 000 records of 1 KiB (Kafka's own
// producer perf test), forward it with --workers 64 --idle-exit to a sink that answers 200 at
// once, and compare with two ceilings measured in the same run: the sink under autocannon at
// concurrency 64 with the same body, and Kafka's consumer perf test. Then forward keyed records
// to the ingress's /webhook-simulator (failures off, the prototype's 50-2000 ms delays) with
// --ordering key and --ordering partition.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const lib = require('./lib');

const RECORDS = Number(process.env.BENCH_RECORDS || 100_000);
const WORKERS = 64;
const SIMULATOR_SECONDS = Number(process.env.BENCH_SIMULATOR_SECONDS || 30);
const CLIENTS = (process.env.BENCH_HTTP_CLIENTS || 'axios,undici').split(',');
const BAR = { ratio: 0.4, rssMb: 300 };
const TOPIC = 'bench-forward';

async function main() {
  const cluster = lib.startKafka();
  lib.cleanupOnExit(() => cluster.stop());
  lib.createTopic(cluster.brokers, TOPIC, 6);
  console.error(`filling ${TOPIC} with ${RECORDS} records of 1 KiB...`);
  lib.kafkaTool('kafka-producer-perf-test', ['--topic', TOPIC, '--num-records', String(RECORDS), '--record-size', '1024', '--throughput', '-1', '--producer-props', `bootstrap.servers=${cluster.brokers}`, 'acks=all']);

  const sinkPort = await lib.freePort();
  const sink = lib.startProcess([join(__dirname, 'sink-server.js'), String(sinkPort)]);
  const sinkUrl = `http://127.0.0.1:${sinkPort}/hook`;
  await lib.waitForHttp(`http://127.0.0.1:${sinkPort}/stats`, 10_000);

  // The ceilings: what the sink answers at concurrency 64, what Kafka's own consumer reads.
  const envelope = JSON.stringify({ topic: TOPIC, partition: 0, offset: 12345, key: null, value: { raw_message: 'x'.repeat(1024) }, headers: {}, timestamp: new Date().toISOString() });
  lib.autocannon({ url: sinkUrl, body: envelope, connections: WORKERS, durationS: 3 });
  const sinkCeiling = lib.autocannon({ url: sinkUrl, body: envelope, connections: WORKERS, durationS: 15 });
  const consumerCeiling = kafkaConsumerPerf(cluster.brokers);

  const runs = {};
  for (const client of CLIENTS) {
    await fetch(`http://127.0.0.1:${sinkPort}/stats`, { method: 'DELETE' });
    runs[client] = await forward(cluster.brokers, sinkUrl, ['--ordering', 'key', '--http-client', client], `bench-${client}-${Date.now()}`);
    const stats = await (await fetch(`http://127.0.0.1:${sinkPort}/stats`)).json();
    runs[client].sinkCount = stats.count;
    runs[client].deliveriesPerSec = (stats.count * 1000) / Math.max(1, stats.lastAt - stats.firstAt);
    runs[client].ratio = runs[client].deliveriesPerSec / sinkCeiling.rps;
    console.error(`${client}: ${lib.fmt(runs[client].deliveriesPerSec)} deliveries/s, peak RSS ${lib.fmt(runs[client].peakRssMb, 1)} MB`);
  }
  await lib.stopProcess(sink);

  const simulator = await simulatorComparison(cluster.brokers);

  const result = { setup: { records: RECORDS, recordBytes: 1024, partitions: 6, workers: WORKERS, kafkaNodes: 1 }, sinkCeiling, consumerCeiling, runs, simulator };
  const best = Object.values(runs).reduce((a, b) => (a.deliveriesPerSec >= b.deliveriesPerSec ? a : b));
  result.bar = { ...BAR, met: Object.values(runs).some((r) => r.ratio >= BAR.ratio && r.peakRssMb <= BAR.rssMb && r.sinkCount >= RECORDS) };

  const rows = Object.entries(runs)
    .map(([client, r]) => `  forwarder, --http-client ${client.padEnd(7)} ${lib.fmt(r.deliveriesPerSec).padStart(8)}   ${(r.ratio * 100).toFixed(1).padStart(5)}%   p50 ${r.p50 ?? '-'} / p99 ${r.p99 ?? '-'}   peak RSS ${lib.fmt(r.peakRssMb, 1)} MB   delivered ${r.sinkCount}`)
    .join('\n');
  console.log(`
Forwarder benchmark: ${RECORDS} records of 1 KiB, 6 partitions, --workers ${WORKERS}, 1-node Kafka
                                      per second   of sink
  sink ceiling (autocannon, c=${WORKERS})      ${lib.fmt(sinkCeiling.rps).padStart(8)}   100.0%   (p50 ${sinkCeiling.p50} ms, p99 ${sinkCeiling.p99} ms)
  kafka-consumer-perf-test          ${lib.fmt(consumerCeiling.recordsPerSec).padStart(8)} rec/s (${lib.fmt(consumerCeiling.mbPerSec, 1)} MB/s, the Kafka ceiling)
${rows}

  webhook simulator (failures off, 50-2000 ms delays), keyed records, ${SIMULATOR_SECONDS}s each:
    --ordering key        ${lib.fmt(simulator.key.perSec, 1)} deliveries/s
    --ordering partition  ${lib.fmt(simulator.partition.perSec, 1)} deliveries/s

  bar: >= ${BAR.ratio * 100}% of the sink ceiling, peak RSS <= ${BAR.rssMb} MB => ${result.bar.met ? 'bar met' : 'BAR NOT MET'} (best: ${(best.ratio * 100).toFixed(1)}%)
  saved ${lib.saveResult('forwarder', result)}
`);
  process.exitCode = result.bar.met ? 0 : 1;
}

/** Runs the forwarder to completion (--idle-exit) and samples its peak RSS while it runs. */
async function forward(brokers, url, extra, group) {
  const child = lib.startProcess(
    [join(lib.repo, 'dist/apps/forwarder/main.js'), 'forward', '--topic', TOPIC, '--target-url', url, '--brokers', brokers, '--group', group, '--workers', String(WORKERS), '--idle-exit', '2s', '--stats-interval', '5', ...extra],
    { LOG_LEVEL: 'log' },
    { capture: true },
  );
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  let peakRssMb = 0;
  const sampler = setInterval(() => {
    try {
      peakRssMb = Math.max(peakRssMb, lib.peakRssMb(child.pid));
    } catch {
      // exited
    }
  }, 200);
  const code = await new Promise((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  const summary = /delivery latency p50 (\S+), p99 (\S+?),/.exec(output);
  return { exitCode: code, peakRssMb, p50: summary?.[1], p99: summary?.[2] };
}

function kafkaConsumerPerf(brokers) {
  const out = lib.kafkaTool('kafka-consumer-perf-test', ['--bootstrap-server', brokers, '--topic', TOPIC, '--messages', String(RECORDS), '--group', `perf-${Date.now()}`]);
  const line = out.trim().split('\n').at(-1).split(',').map((s) => s.trim());
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ...
  return { mbPerSec: Number(line[3]), recordsPerSec: Number(line[5]), line: line.join(', ') };
}

/** Keyed records to the simulator with the prototype's delays: key ordering vs partition ordering. */
async function simulatorComparison(brokers) {
  const topic = 'bench-simulator';
  lib.createTopic(brokers, topic, 6);
  const lines = Array.from({ length: 20_000 }, (_, i) => `k${i % 1000}:${JSON.stringify({ i, data: 'x'.repeat(200) })}`).join('\n');
  spawnSync('kcat', ['-b', brokers, '-P', '-t', topic, '-K:'], { input: lines });
  const port = await lib.freePort();
  const ingress = lib.startProcess([join(lib.repo, 'dist/apps/ingress/main.js')], { KAFKA_BROKERS: brokers, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', SIMULATOR_FAIL_500_RATE: '0', SIMULATOR_FAIL_400_RATE: '0', SIMULATOR_FAIL_503_RATE: '0' });
  await lib.waitForHttp(`http://127.0.0.1:${port}/health/live`);
  const result = {};
  for (const ordering of ['key', 'partition']) {
    await fetch(`http://127.0.0.1:${port}/webhook-simulator/stats`, { method: 'DELETE' });
    const child = lib.startProcess([join(lib.repo, 'dist/apps/forwarder/main.js'), 'forward', '--topic', topic, '--target-url', `http://127.0.0.1:${port}/webhook-simulator`, '--brokers', brokers, '--group', `sim-${ordering}-${Date.now()}`, '--workers', String(WORKERS), '--ordering', ordering]);
    await new Promise((r) => setTimeout(r, SIMULATOR_SECONDS * 1000));
    const stats = await (await fetch(`http://127.0.0.1:${port}/webhook-simulator/stats`)).json();
    await lib.stopProcess(child, 'SIGKILL');
    result[ordering] = { delivered: stats.received, perSec: stats.received / SIMULATOR_SECONDS };
    console.error(`simulator, --ordering ${ordering}: ${result[ordering].perSec.toFixed(1)} deliveries/s`);
  }
  await lib.stopProcess(ingress);
  return result;
}

main().catch((error) => {
  console.error(error.stack || error);
  process.exit(1);
});
