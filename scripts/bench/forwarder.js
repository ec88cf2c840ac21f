#!/usr/bin/env node
'use strict';
// npm run bench:forwarder — the forwarder against ceilings measured in the same run, medians of
// BENCH_RUNS (3) runs:
// - drain: 60 000 keyed records of 1 KiB in 6 partitions (written with kcat) into a sink
//   that answers 200 at once; with --workers auto (the default) and fixed values. Deliveries/s
//   against the sink's ceiling (autocannon, c=64), CPU µs per delivery (/proc/<pid>/stat over
//   the drain), peak RSS. Kafka's consumer perf test is the Kafka ceiling.
// - adaptive concurrency, defaults throughout: the ingress's webhook simulator (50-2000 ms,
//   5% 500, 5% 400, 2% 503) with 3 000 keyed records in 15 partitions; a target that answers 503
//   beyond 8 requests in flight (20 ms otherwise) with 12 000 records; a target whose latency
//   jumps from 5 ms to 500 ms mid-run.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const lib = require('./lib');

const RUNS = Number(process.env.BENCH_RUNS || 3);
const RECORDS = Number(process.env.BENCH_RECORDS || 60_000);
const FIXED = (process.env.BENCH_FIXED_WORKERS || '16,64,256').split(',').map(Number);
const CEILING_CONNECTIONS = 64;
const TOPIC = 'bench-forward';
const BARS = { sinkRatio: 0.45, cpuUs: 45, rssMb: 150, slowPerSec: 50, autoOfBest: 0.9, cappedLimit: [5, 12], cappedRefused: 0.05, adaptS: 10 };

async function main() {
  const cluster = lib.startKafka();
  lib.cleanupOnExit(() => cluster.stop());
  console.error(`filling ${TOPIC} with ${RECORDS} keyed records of 1 KiB...`);
  // Keyed: records without a key keep partition order (one at a time per partition).
  fillKeyed(cluster.brokers, TOPIC, 6, RECORDS, 1000);

  const sinkPort = await lib.freePort();
  const sink = lib.startProcess([join(__dirname, 'sink-server.js'), String(sinkPort)]);
  const sinkUrl = `http://127.0.0.1:${sinkPort}/hook`;
  await lib.waitForHttp(`http://127.0.0.1:${sinkPort}/stats`, 10_000);
  const envelope = JSON.stringify({ topic: TOPIC, partition: 0, offset: 12345, key: null, value: { raw_message: 'x'.repeat(1024) }, headers: {}, timestamp: new Date().toISOString() });
  lib.autocannon({ url: sinkUrl, body: envelope, connections: CEILING_CONNECTIONS, durationS: 3 });
  const sinkCeiling = lib.autocannon({ url: sinkUrl, body: envelope, connections: CEILING_CONNECTIONS, durationS: 15 });
  const consumerCeiling = kafkaConsumerPerf(cluster.brokers);

  const configs = [['auto', []], ...FIXED.map((n) => [String(n), ['--workers', String(n)]])];
  const drains = Object.fromEntries(configs.map(([name]) => [name, []]));
  for (let run = 1; run <= RUNS; run++) {
    for (const [name, flags] of configs) {
      const result = await drain(cluster.brokers, sinkPort, flags, `bench-${name}-${run}-${Date.now()}`);
      drains[name].push(result);
      console.error(`run ${run}, --workers ${name}: ${lib.fmt(result.perSec)} deliveries/s, ${result.cpuUs.toFixed(1)} CPU µs/delivery, peak RSS ${lib.fmt(result.peakRssMb, 1)} MB`);
    }
  }
  const axios = process.env.BENCH_AXIOS === '0' ? undefined : await drain(cluster.brokers, sinkPort, ['--http-client', 'axios'], `bench-axios-${Date.now()}`);
  await lib.stopProcess(sink);
  const median = Object.fromEntries(Object.entries(drains).map(([name, runs]) => [name, { perSec: lib.medianOf(runs, 'perSec'), cpuUs: lib.medianOf(runs, 'cpuUs'), peakRssMb: lib.medianOf(runs, 'peakRssMb'), runs }]));

  const slow = [];
  const capped = [];
  const jump = [];
  for (let run = 1; run <= RUNS; run++) {
    slow.push(await slowTarget(cluster.brokers, run));
    capped.push(await cappedTarget(cluster.brokers, run));
    jump.push(await latencyJump(cluster.brokers, run));
  }

  const auto = median.auto;
  const bestFixed = FIXED.map((n) => [n, median[String(n)]]).reduce((a, b) => (a[1].perSec >= b[1].perSec ? a : b));
  const slowMedian = lib.median(slow.map((r) => r.perSec));
  const cappedRow = {
    allDelivered: capped.every((r) => r.delivered === r.records && r.deadLettered === 0),
    limitMin: lib.median(capped.map((r) => r.limitMin)),
    limitMax: lib.median(capped.map((r) => r.limitMax)),
    refusedShare: lib.median(capped.map((r) => r.refusedShare)),
  };
  const jumpRow = { adaptS: lib.median(jump.map((r) => r.adaptS)), deadLettered: Math.max(...jump.map((r) => r.deadLettered)), before: lib.median(jump.map((r) => r.limitBefore)), after: lib.median(jump.map((r) => r.limitAfter)) };
  const checks = {
    sinkRatio: auto.perSec / sinkCeiling.rps >= BARS.sinkRatio,
    cpuUs: auto.cpuUs <= BARS.cpuUs,
    rssMb: auto.peakRssMb <= BARS.rssMb,
    slow: slowMedian >= BARS.slowPerSec,
    autoOfBest: auto.perSec / bestFixed[1].perSec >= BARS.autoOfBest,
    capped: cappedRow.allDelivered && cappedRow.limitMin >= BARS.cappedLimit[0] && cappedRow.limitMax <= BARS.cappedLimit[1] && cappedRow.refusedShare < BARS.cappedRefused,
    jump: jumpRow.adaptS <= BARS.adaptS && jumpRow.deadLettered === 0,
  };
  const mark = (ok) => (ok ? 'met' : 'NOT MET');
  const drainRow = (label, r) => `  ${label.padEnd(36)} ${lib.fmt(r.perSec).padStart(8)}   ${((r.perSec / sinkCeiling.rps) * 100).toFixed(1).padStart(5)}%   ${r.cpuUs.toFixed(1).padStart(6)}   ${lib.fmt(r.peakRssMb, 1).padStart(6)}`;
  console.log(`
Forwarder benchmark, medians of ${RUNS} runs: ${RECORDS} records of 1 KiB, 6 partitions, 1-node Kafka
                                         per second   of sink   CPU µs/delivery   peak RSS MB
  sink ceiling (autocannon, c=${CEILING_CONNECTIONS})          ${lib.fmt(sinkCeiling.rps).padStart(8)}   100.0%   (p50 ${sinkCeiling.p50} ms, p99 ${sinkCeiling.p99} ms)
  kafka-consumer-perf-test               ${lib.fmt(consumerCeiling.recordsPerSec).padStart(8)} rec/s (${lib.fmt(consumerCeiling.mbPerSec, 1)} MB/s, the Kafka ceiling)
${drainRow('forwarder --workers auto (default)', auto)}
${FIXED.map((n) => drainRow(`forwarder --workers ${n}`, median[String(n)])).join('\n')}
${axios ? drainRow('forwarder auto, --http-client axios (1 run)', axios) : ''}

  adaptive concurrency, defaults (--workers auto):
  slow target (simulator, 3 000 keyed records, 15 partitions)   ${lib.fmt(slowMedian, 1)} deliveries/s  (runs: ${slow.map((r) => r.perSec.toFixed(1)).join(', ')})
  503 beyond 8 in flight (12 000 records)                       ${cappedRow.allDelivered ? 'all delivered, 0 dead-lettered' : 'RECORDS LOST OR DEAD-LETTERED'}; limit after 10 s ${cappedRow.limitMin}-${cappedRow.limitMax}; 503s after 10 s ${(cappedRow.refusedShare * 100).toFixed(2)}% of attempts
  fast sink: auto against the best fixed (--workers ${bestFixed[0]})         ${((auto.perSec / bestFixed[1].perSec) * 100).toFixed(1)}%
  latency 5 ms -> 500 ms mid-run                                limit ${jumpRow.before} -> ${jumpRow.after}, settled ${jumpRow.adaptS.toFixed(1)} s after the jump, ${jumpRow.deadLettered} dead-lettered

  bars: auto >= ${BARS.sinkRatio * 100}% of the sink: ${mark(checks.sinkRatio)}; CPU <= ${BARS.cpuUs} µs/delivery: ${mark(checks.cpuUs)}; RSS <= ${BARS.rssMb} MB: ${mark(checks.rssMb)}
        slow target >= ${BARS.slowPerSec}/s: ${mark(checks.slow)}; 503-capped target: ${mark(checks.capped)}; auto >= ${BARS.autoOfBest * 100}% of best fixed: ${mark(checks.autoOfBest)}; latency jump adapts <= ${BARS.adaptS} s: ${mark(checks.jump)}
  saved ${lib.saveResult('forwarder', { setup: { records: RECORDS, runs: RUNS, fixed: FIXED }, sinkCeiling, consumerCeiling, drains: median, axios, slow, capped, jump, checks })}
`);
  process.exitCode = Object.values(checks).every(Boolean) ? 0 : 1;
}

function startForwarder(brokers, topic, url, group, flags, env = {}) {
  const child = lib.startProcess([join(lib.repo, 'dist/apps/forwarder/main.js'), 'forward', '--topic', topic, '--target-url', url, '--brokers', brokers, '--group', group, '--stats-interval', '5', ...flags], { LOG_LEVEL: 'log', ...env }, { capture: true });
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
  const exited = new Promise((resolve) => child.once('exit', resolve)).finally(() => clearInterval(sampler));
  return { child, exited, output: () => output, peakRssMb: () => peakRssMb };
}

/** Drains the topic into the sink; CPU is read from the first delivery to the last. */
async function drain(brokers, sinkPort, flags, group) {
  const stats = `http://127.0.0.1:${sinkPort}/stats`;
  await fetch(stats, { method: 'DELETE' });
  const forwarder = startForwarder(brokers, TOPIC, `http://127.0.0.1:${sinkPort}/hook`, group, ['--idle-exit', '2s', ...flags]);
  let cpuAtFirst;
  let cpuAtLast;
  let countAtFirst = 0;
  for (;;) {
    const { count } = await (await fetch(stats)).json();
    if (cpuAtFirst === undefined && count > 0) {
      cpuAtFirst = lib.cpuSeconds(forwarder.child.pid);
      countAtFirst = count;
    }
    if (count >= RECORDS) {
      cpuAtLast = lib.cpuSeconds(forwarder.child.pid);
      break;
    }
    if (forwarder.child.exitCode !== null) throw new Error(`the forwarder exited before draining:\n${forwarder.output()}`);
    await sleep(50);
  }
  await forwarder.exited;
  const { count, firstAt, lastAt } = await (await fetch(stats)).json();
  return { perSec: (count * 1000) / Math.max(1, lastAt - firstAt), cpuUs: ((cpuAtLast - cpuAtFirst) * 1e6) / Math.max(1, count - countAtFirst), peakRssMb: forwarder.peakRssMb(), delivered: count };
}

function kafkaConsumerPerf(brokers) {
  const out = lib.kafkaTool('kafka-consumer-perf-test', ['--bootstrap-server', brokers, '--topic', TOPIC, '--messages', String(RECORDS), '--group', `perf-${Date.now()}`]);
  const line = out.trim().split('\n').at(-1).split(',').map((s) => s.trim());
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ...
  return { mbPerSec: Number(line[3]), recordsPerSec: Number(line[5]), line: line.join(', ') };
}

/** Fills a topic with keyed records through kcat (keys spread at random over 1 000). */
function fillKeyed(brokers, topic, partitions, records, valueBytes) {
  lib.createTopic(brokers, topic, partitions);
  const lines = Array.from({ length: records }, (_, i) => `k${(i * 7919) % 1000}:${JSON.stringify({ i, data: 'x'.repeat(valueBytes) })}`).join('\n');
  const result = spawnSync('kcat', ['-b', brokers, '-P', '-t', topic, '-K:'], { input: lines, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`kcat could not fill ${topic}: ${result.stderr}`);
}

/** The forwarder's own counters from its /metrics. */
async function forwarderMetrics(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (name, labels = '') => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}`) || (labels === '' && l.startsWith(`${name} `)));
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  return {
    delivered: value('kafka_gateway_forwarder_deliveries_total', 'outcome="delivered"'),
    deadLettered: value('kafka_gateway_forwarder_deliveries_total', 'outcome="dead_lettered"'),
    limit: value('kafka_gateway_forwarder_concurrency_limit'),
  };
}

/** Polls the forwarder's metrics until `done(sample)` or the time is up; returns the samples. */
async function watch(port, forwarder, { everyMs, maxMs, done }) {
  const samples = [];
  const started = Date.now();
  while (Date.now() - started < maxMs && forwarder.child.exitCode === null) {
    try {
      const sample = { at: Date.now(), ...(await forwarderMetrics(port)) };
      samples.push(sample);
      if (done(sample)) break;
    } catch {
      // not listening yet
    }
    await sleep(everyMs);
  }
  return samples;
}

/** The simulator with its default delays and failures; 45 s at most, as the issue measured it. */
async function slowTarget(brokers, run) {
  const records = 3_000;
  const topic = `bench-slow-${run}`;
  fillKeyed(brokers, topic, 15, records, 200);
  const port = await lib.freePort();
  const ingress = lib.startProcess([join(lib.repo, 'dist/apps/ingress/main.js')], { KAFKA_BROKERS: brokers, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
  await lib.waitForHttp(`http://127.0.0.1:${port}/health/live`);
  const healthPort = await lib.freePort();
  const started = Date.now();
  const forwarder = startForwarder(brokers, topic, `http://127.0.0.1:${port}/webhook-simulator`, `${topic}-g`, ['--health-port', String(healthPort)]);
  const samples = await watch(healthPort, forwarder, { everyMs: 250, maxMs: 45_000, done: (s) => s.delivered + s.deadLettered >= records });
  await lib.stopProcess(forwarder.child);
  await lib.stopProcess(ingress);
  const last = samples.at(-1);
  const done = last.delivered + last.deadLettered;
  const perSec = (done * 1000) / (done >= records ? last.at - started : 45_000);
  console.error(`run ${run}, slow target: ${done} done (${last.deadLettered} dead-lettered) at ${perSec.toFixed(1)}/s, limit ${last.limit}`);
  return { perSec, done, deadLettered: last.deadLettered, limit: last.limit };
}

/** 503 beyond 8 in flight, 20 ms otherwise: everything must arrive, nothing dead-lettered. */
async function cappedTarget(brokers, run) {
  const records = 12_000;
  const topic = `bench-capped-${run}`;
  fillKeyed(brokers, topic, 6, records, 200);
  const port = await lib.freePort();
  const target = lib.startProcess([join(__dirname, 'scripted-target.js'), String(port), 'capped', '8', '20']);
  await lib.waitForHttp(`http://127.0.0.1:${port}/stats`, 10_000);
  const healthPort = await lib.freePort();
  const forwarder = startForwarder(brokers, topic, `http://127.0.0.1:${port}/hook`, `${topic}-g`, ['--health-port', String(healthPort)]);
  const samples = await watch(healthPort, forwarder, { everyMs: 250, maxMs: 180_000, done: (s) => s.delivered + s.deadLettered >= records });
  const stats = await (await fetch(`http://127.0.0.1:${port}/stats`)).json();
  await lib.stopProcess(forwarder.child);
  await lib.stopProcess(target);
  const last = samples.at(-1);
  const settled = samples.filter((s) => s.at - stats.firstAt >= 10_000 && s.delivered + s.deadLettered < records).map((s) => s.limit);
  const later = stats.seconds.slice(10);
  const attempts = later.reduce((sum, [ok, refused]) => sum + ok + refused, 0);
  const refusedShare = attempts === 0 ? 0 : later.reduce((sum, [, refused]) => sum + refused, 0) / attempts;
  const result = { records, delivered: last.delivered, deadLettered: last.deadLettered, limitMin: Math.min(...settled), limitMax: Math.max(...settled), refusedShare, refused: stats.refused };
  console.error(`run ${run}, 503-capped target: delivered ${result.delivered}, dead-lettered ${result.deadLettered}, limit ${result.limitMin}-${result.limitMax} after 10 s, 503s ${(refusedShare * 100).toFixed(2)}% after 10 s (${stats.refused} in all)`);
  return result;
}

/** Latency 5 ms, then 500 ms from 5 s after the first request: how soon the limit settles. */
async function latencyJump(brokers, run) {
  const records = 100_000;
  const jumpAtMs = 5_000;
  const topic = `bench-jump-${run}`;
  fillKeyed(brokers, topic, 6, records, 200);
  const port = await lib.freePort();
  const target = lib.startProcess([join(__dirname, 'scripted-target.js'), String(port), 'jump', '5', '500', String(jumpAtMs)]);
  await lib.waitForHttp(`http://127.0.0.1:${port}/stats`, 10_000);
  const healthPort = await lib.freePort();
  const forwarder = startForwarder(brokers, topic, `http://127.0.0.1:${port}/hook`, `${topic}-g`, ['--health-port', String(healthPort)]);
  let firstAt = 0;
  const samples = await watch(healthPort, forwarder, {
    everyMs: 250,
    maxMs: 90_000,
    done: (s) => {
      if (firstAt === 0 && s.delivered > 0) firstAt = s.at;
      return s.delivered + s.deadLettered >= records || (firstAt > 0 && s.at - firstAt > jumpAtMs + 25_000);
    },
  });
  const stats = await (await fetch(`http://127.0.0.1:${port}/stats`)).json();
  await lib.stopProcess(forwarder.child);
  await lib.stopProcess(target);
  const jumpAt = stats.firstAt + jumpAtMs;
  const before = samples.filter((s) => s.at < jumpAt).at(-1)?.limit ?? 0;
  const after = samples.filter((s) => s.at >= jumpAt);
  const end = after.at(-1).limit;
  // Settled: from that sample on, the limit stays within a quarter of where it ends.
  let settledAt = after.at(-1).at;
  for (let i = after.length - 1; i >= 0 && Math.abs(after[i].limit - end) <= end / 4; i--) settledAt = after[i].at;
  const result = { adaptS: (settledAt - jumpAt) / 1000, limitBefore: before, limitAfter: end, deadLettered: samples.at(-1).deadLettered };
  console.error(`run ${run}, latency jump: limit ${before} -> ${end}, settled ${result.adaptS.toFixed(1)} s after the jump, ${result.deadLettered} dead-lettered`);
  return result;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

main().catch((error) => {
  console.error(error.stack || error);
  process.exit(1);
});
