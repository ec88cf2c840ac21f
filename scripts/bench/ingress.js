#!/usr/bin/env node
'use strict';
// npm run bench:ingress — POST /produce with 1 KiB payloads at concurrency 64, against two
// ceilings measured in the same run: a bare Node HTTP server (no framework, no Kafka) and
// Kafka's own producer perf test with acks=all. Prints medians of BENCH_RUNS runs.
const { join } = require('node:path');
const lib = require('./lib');

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 64);
const DURATION_S = Number(process.env.BENCH_DURATION_S || 20);
const RUNS = Number(process.env.BENCH_RUNS || 3);
const TOPIC = 'bench-ingress';
const BAR = { ratio: 0.3, p99Ms: 100, rssMb: 250 };

async function main() {
  const cluster = lib.startKafka();
  lib.cleanupOnExit(() => cluster.stop());
  lib.createTopic(cluster.brokers, TOPIC, 6);
  const payload = { topic: TOPIC, key: null, payload: { data: 'x'.repeat(1024 - 12) } };
  payload.payload.data = 'x'.repeat(1024 - JSON.stringify({ data: '' }).length);
  const body = JSON.stringify(payload);

  const barePort = await lib.freePort();
  const bare = lib.startProcess([join(__dirname, 'bare-server.js'), String(barePort)]);
  const ingressPort = await lib.freePort();
  const ingress = lib.startProcess([join(lib.repo, 'dist/apps/ingress/main.js')], { KAFKA_BROKERS: cluster.brokers, PORT: String(ingressPort), HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
  await lib.waitForHttp(`http://127.0.0.1:${barePort}/`, 10_000).catch(() => undefined);
  await lib.waitForHttp(`http://127.0.0.1:${ingressPort}/health/ready`);

  // Warm up both (JIT, connections, the producer's metadata) before measuring.
  lib.autocannon({ url: `http://127.0.0.1:${ingressPort}/produce`, body, connections: CONNECTIONS, durationS: 3 });
  lib.autocannon({ url: `http://127.0.0.1:${barePort}/`, body, connections: CONNECTIONS, durationS: 3 });

  const bareRuns = [];
  const ingressRuns = [];
  for (let run = 1; run <= RUNS; run++) {
    bareRuns.push(lib.autocannon({ url: `http://127.0.0.1:${barePort}/`, body, connections: CONNECTIONS, durationS: DURATION_S }));
    ingressRuns.push(lib.autocannon({ url: `http://127.0.0.1:${ingressPort}/produce`, body, connections: CONNECTIONS, durationS: DURATION_S }));
    console.error(`run ${run}/${RUNS}: bare ${lib.fmt(bareRuns.at(-1).rps)} req/s, ingress ${lib.fmt(ingressRuns.at(-1).rps)} req/s (non-2xx ${ingressRuns.at(-1).non2xx})`);
  }
  const rssMb = lib.peakRssMb(ingress.pid);
  await lib.stopProcess(ingress);
  await lib.stopProcess(bare);

  const perf = kafkaProducerPerf(cluster.brokers);
  const result = {
    setup: { connections: CONNECTIONS, durationS: DURATION_S, runs: RUNS, recordBytes: 1024, bodyBytes: Buffer.byteLength(body), partitions: 6, kafkaNodes: 1 },
    bare: { rps: lib.medianOf(bareRuns, 'rps'), p50: lib.medianOf(bareRuns, 'p50'), p99: lib.medianOf(bareRuns, 'p99') },
    ingress: {
      rps: lib.medianOf(ingressRuns, 'rps'),
      p50: lib.medianOf(ingressRuns, 'p50'),
      p99: lib.medianOf(ingressRuns, 'p99'),
      non2xx: ingressRuns.reduce((s, r) => s + r.non2xx + r.errors, 0),
      peakRssMb: rssMb,
    },
    kafkaProducerPerf: perf,
  };
  result.ratio = result.ingress.rps / result.bare.rps;
  result.bar = { ...BAR, met: result.ratio >= BAR.ratio && result.ingress.p99 <= BAR.p99Ms && rssMb <= BAR.rssMb && result.ingress.non2xx === 0 };

  console.log(`
Ingress benchmark: POST /produce, ${Buffer.byteLength(body)}-byte bodies (1 KiB payload), ${CONNECTIONS} connections, ${DURATION_S}s x ${RUNS} runs, medians
                          req/s      p50 ms   p99 ms
  bare Node HTTP server   ${lib.fmt(result.bare.rps).padStart(8)}   ${lib.fmt(result.bare.p50, 1).padStart(6)}   ${lib.fmt(result.bare.p99, 1).padStart(6)}
  ingress (acks=all)      ${lib.fmt(result.ingress.rps).padStart(8)}   ${lib.fmt(result.ingress.p50, 1).padStart(6)}   ${lib.fmt(result.ingress.p99, 1).padStart(6)}
  kafka-producer-perf-test ${lib.fmt(perf.recordsPerSec).padStart(7)} rec/s  avg ${lib.fmt(perf.avgLatencyMs, 1)} ms  p99 ${lib.fmt(perf.p99Ms)} ms  (acks=all, 1 KiB, the broker ceiling)

  ingress / bare server: ${(result.ratio * 100).toFixed(1)}%   (bar >= ${BAR.ratio * 100}%)
  ingress p99: ${lib.fmt(result.ingress.p99, 1)} ms              (bar <= ${BAR.p99Ms} ms)
  ingress peak RSS: ${lib.fmt(rssMb, 1)} MB         (bar <= ${BAR.rssMb} MB)
  non-2xx or errors: ${result.ingress.non2xx}
  => ${result.bar.met ? 'bar met' : 'BAR NOT MET'}
  saved ${lib.saveResult('ingress', result)}
`);
  process.exitCode = result.bar.met ? 0 : 1;
}

function kafkaProducerPerf(brokers) {
  lib.createTopic(brokers, 'bench-producer-perf', 6);
  const out = lib.kafkaTool('kafka-producer-perf-test', [
    '--topic', 'bench-producer-perf', '--num-records', '300000', '--record-size', '1024', '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${brokers}`, 'acks=all', 'enable.idempotence=true',
  ]);
  const last = out.trim().split('\n').filter((l) => l.includes('records sent')).at(-1) ?? '';
  const num = (re) => Number((re.exec(last) ?? [])[1]);
  return {
    recordsPerSec: num(/([\d.]+) records\/sec/),
    avgLatencyMs: num(/([\d.]+) ms avg latency/),
    p99Ms: num(/([\d.]+) ms 99th/),
    summary: last,
  };
}

main().catch((error) => {
  console.error(error.stack || error);
  process.exit(1);
});
