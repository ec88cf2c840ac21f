#!/usr/bin/env node
'use strict';
// npm run soak — SOAK_DURATION_S (600) of steady mixed load: POST /produce with ~1 KiB payloads
// at a fixed rate (keys: none, a pool of 500, unique; some with Idempotency-Key, some replays)
// plus a /produce/batch every 2 s, into a 6-partition topic that one forwarder delivers to the
// ingress's own /webhook-simulator (0-20 ms, 5% failures, so retries and dead letters happen).
// Every SOAK_SAMPLE_S (10) it samples both apps' RSS (/proc), heap and event-loop p99 (/metrics),
// the produce and forward rates and the forwarder's lag. It fails (exit 1) when an app's memory
// grows steadily, an app dies, the lag keeps growing or does not drain, or the load is not served.
// Not part of CI. Uses its own Kafka (.kafka/soak, ports 49592 and 49692) and ports 49593-49594.
const { createServer } = require('node:net');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const lib = require('./bench/lib');

const env = (name, fallback) => (process.env[name] === undefined || process.env[name] === '' ? fallback : Number(process.env[name]));
const DURATION_S = env('SOAK_DURATION_S', 600);
const SAMPLE_S = env('SOAK_SAMPLE_S', 10);
const WARMUP_S = env('SOAK_WARMUP_S', Math.min(60, Math.round(DURATION_S / 10)));
const RATE = env('SOAK_RATE', 250); // single POST /produce requests a second
const CONNECTIONS = env('SOAK_CONNECTIONS', 16);
const BATCH_EVERY_MS = 2000;
const BATCH_SIZE = 20;
const WORKERS = env('SOAK_WORKERS', 16);
const DRAIN_S = env('SOAK_DRAIN_S', 60);
// Verdict thresholds: growth projected over 10 minutes from the second half's trend, and the
// last third's median against the first third's (both after the warm-up).
// A one-off step of ~10 MB (the allocator keeping freed pages) is not growth; a leak at 250 req/s shows far more.
const MAX_GROWTH_MB = env('SOAK_MAX_GROWTH_MB', 20);
const MAX_THIRDS_PCT = env('SOAK_MAX_THIRDS_PCT', 15);
const MAX_LAG_GROWTH = env('SOAK_MAX_LAG_GROWTH', 2000);
const MAX_ERROR_SHARE = 0.01;
// For an investigation, not a verdict: heap snapshots of both apps after the warm-up and at the
// end of the load (each pauses the app and inflates its RSS while it is written).
const HEAP_SNAPSHOTS = process.env.SOAK_HEAPSNAPSHOTS === '1';

const KAFKA_PORT = env('SOAK_KAFKA_PORT', 49592);
const INGRESS_PORT = env('SOAK_INGRESS_PORT', 49593);
const HEALTH_PORT = env('SOAK_HEALTH_PORT', 49594);
const TOPIC = 'soak';
const PARTITIONS = 6;
const SIMULATOR_QUERY = 'minDelayMs=0&maxDelayMs=20&failRate=0.05';
const M = 'kafka_gateway_';

async function main() {
  if (!(DURATION_S >= 3 * SAMPLE_S && SAMPLE_S > 0)) throw new Error(`SOAK_DURATION_S (${DURATION_S}) must be at least 3 x SOAK_SAMPLE_S (${SAMPLE_S})`);
  for (const port of [KAFKA_PORT, INGRESS_PORT, HEALTH_PORT]) {
    if (!(await portFree(port))) throw new Error(`port ${port} is in use; the soak needs 127.0.0.1:${KAFKA_PORT} (Kafka), ${INGRESS_PORT} (ingress) and ${HEALTH_PORT} (forwarder health)`);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logDir = join(lib.repo, 'bench-results');
  require('node:fs').mkdirSync(logDir, { recursive: true });

  const run = { samples: [], deaths: [], stopping: false, saved: undefined };
  let cluster;
  let kafkaStopped = false;
  const stopKafka = () => {
    if (kafkaStopped || !cluster) return;
    kafkaStopped = true;
    cluster.stop();
  };
  // Ctrl+C: the lib kills the apps (by pid) and this stops the Kafka and keeps what was sampled.
  lib.cleanupOnExit(() => {
    if (!run.saved && run.samples.length > 0) console.error(`interrupted; samples so far in ${lib.saveResult('soak-partial', { setup: setup(), samples: run.samples })}`);
    stopKafka();
  });

  console.error(`starting Kafka on 127.0.0.1:${KAFKA_PORT} (.kafka/soak)...`);
  cluster = lib.startKafka({ dir: join(lib.repo, '.kafka/soak'), port: KAFKA_PORT, brokers: process.env.SOAK_KAFKA_BROKERS });
  lib.createTopic(cluster.brokers, TOPIC, PARTITIONS);

  const snapshotDir = join(logDir, `soak-${stamp}-heap`);
  const nodeFlags = HEAP_SNAPSHOTS ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`] : [];
  if (HEAP_SNAPSHOTS) require('node:fs').mkdirSync(snapshotDir, { recursive: true });
  const ingressUrl = `http://127.0.0.1:${INGRESS_PORT}`;
  const forwarderUrl = `http://127.0.0.1:${HEALTH_PORT}`;
  const apps = {
    ingress: lib.startProcess([...nodeFlags, join(lib.repo, 'dist/apps/ingress/main.js')], {
      KAFKA_BROKERS: cluster.brokers,
      PORT: String(INGRESS_PORT),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      // Short enough that the idempotency store reaches its steady size during the warm-up.
      INGRESS_IDEMPOTENCY_TTL_MS: '60000',
    }, { logFile: join(logDir, `soak-${stamp}-ingress.log`) }),
  };
  await lib.waitForHttp(`${ingressUrl}/health/ready`);
  apps.forwarder = lib.startProcess(
    [...nodeFlags, join(lib.repo, 'dist/apps/forwarder/main.js'), 'forward', '--topic', TOPIC, '--target-url', `${ingressUrl}/webhook-simulator?${SIMULATOR_QUERY}`, '--brokers', cluster.brokers, '--group', `soak-${Date.now()}`, '--workers', String(WORKERS), '--health-port', String(HEALTH_PORT), '--stats-interval', '60'],
    { LOG_LEVEL: 'log' },
    { logFile: join(logDir, `soak-${stamp}-forwarder.log`) },
  );
  await lib.waitForHttp(`${forwarderUrl}/health`);
  const metricsUrl = { ingress: `${ingressUrl}/metrics`, forwarder: `${forwarderUrl}/metrics` };

  let wake;
  for (const [name, child] of Object.entries(apps)) {
    child.once('exit', (code, signal) => {
      if (run.stopping) return;
      run.deaths.push({ app: name, code, signal, atS: run.t0 ? Math.round((performance.now() - run.t0) / 1000) : 0 });
      console.error(`!! ${name} (pid ${child.pid}) exited: code ${code}, signal ${signal}`);
      wake?.();
    });
  }

  console.error(`ingress pid ${apps.ingress.pid} on ${ingressUrl}, forwarder pid ${apps.forwarder.pid} (health ${forwarderUrl}); logs in bench-results/soak-${stamp}-*.log`);
  console.error(`${DURATION_S} s of ${RATE} req/s POST /produce (c=${CONNECTIONS}) + a batch of ${BATCH_SIZE} every ${BATCH_EVERY_MS / 1000} s; sample every ${SAMPLE_S} s, warm-up ${WARMUP_S} s\n`);
  console.log(HEADER);

  let previous = await scrape(apps, metricsUrl, 0);
  const baseline = previous;
  const load = startLoad(ingressUrl);
  run.t0 = performance.now();
  previous.t = 0;
  for (let k = 1; k * SAMPLE_S <= DURATION_S && run.deaths.length === 0; k++) {
    const due = run.t0 + k * SAMPLE_S * 1000;
    await new Promise((resolve) => {
      wake = resolve;
      setTimeout(resolve, Math.max(0, due - performance.now()));
    });
    if (run.deaths.length > 0) break;
    const current = await scrape(apps, metricsUrl, (performance.now() - run.t0) / 1000);
    const sample = toSample(current, previous, load.takeWindow());
    run.samples.push(sample);
    console.log(line(sample));
    previous = current;
    const last = (k + 1) * SAMPLE_S > DURATION_S;
    if (HEAP_SNAPSHOTS && (last || (sample.t >= WARMUP_S && sample.t - SAMPLE_S < WARMUP_S))) {
      for (const child of Object.values(apps)) child.kill('SIGUSR2');
      console.error(`   (heap snapshots requested at ${Math.round(sample.t)} s, in ${snapshotDir})`);
    }
  }
  await load.stop();

  const drain = await waitForDrain(metricsUrl.forwarder, apps.forwarder, run);
  const finalIngress = await scrapeOne(metricsUrl.ingress);
  const finalForwarder = await scrapeOne(metricsUrl.forwarder);
  const totals = {
    produced: sum(finalIngress, `${M}produced_records_total`, { topic: TOPIC }),
    delivered: sum(finalForwarder, `${M}forwarder_deliveries_total`, { outcome: 'delivered' }),
    deadLettered: sum(finalForwarder, `${M}forwarder_deliveries_total`, { outcome: 'dead_lettered' }),
    retries: sum(finalForwarder, `${M}forwarder_retries_total`),
    load: load.totals,
  };

  run.stopping = true;
  const exitCodes = {};
  for (const [name, child] of [['forwarder', apps.forwarder], ['ingress', apps.ingress]]) exitCodes[name] = await stopWithin(child, 45_000);
  stopKafka();

  const analysis = analyse(run.samples, baseline, drain, totals);
  analysis.exitCodes = exitCodes;
  const result = { setup: setup(), analysis, totals, drain, deaths: run.deaths, samples: run.samples };
  run.saved = lib.saveResult('soak', result);
  console.log(summary(analysis, totals, drain, run, exitCodes));
  console.log(`  saved ${run.saved}\n`);
  process.exitCode = analysis.pass ? 0 : 1;
}

function setup() {
  return {
    durationS: DURATION_S, sampleS: SAMPLE_S, warmupS: WARMUP_S, rate: RATE, connections: CONNECTIONS, batch: { everyMs: BATCH_EVERY_MS, size: BATCH_SIZE },
    topic: TOPIC, partitions: PARTITIONS, workers: WORKERS, target: `/webhook-simulator?${SIMULATOR_QUERY}`, kafkaNodes: 1,
    thresholds: { maxGrowthMbPer10Min: MAX_GROWTH_MB, maxThirdsPct: MAX_THIRDS_PCT, maxLagGrowthPer10Min: MAX_LAG_GROWTH, drainS: DRAIN_S, maxErrorShare: MAX_ERROR_SHARE },
    node: process.version,
  };
}

// ---------------------------------------------------------------------------------------------
// Load: a fixed request rate shared by CONNECTIONS workers (a worker that falls behind does not
// build a backlog that bursts later), and a batch every BATCH_EVERY_MS.

function startLoad(baseUrl) {
  const intervalMs = 1000 / RATE;
  let nextSlot = performance.now();
  let stopped = false;
  let seq = 0;
  let lastIdempotent;
  const totals = { requests: 0, ok: 0, replayed: 0, records: 0, byStatus: {}, errors: 0, batches: 0, batchesOk: 0 };
  let window = newWindow();
  const filler = 'x'.repeat(1024 - JSON.stringify({ seq: 1000000, sentAt: new Date().toISOString(), data: '' }).length);

  function newWindow() {
    return { requests: 0, ok: 0, failed: 0, records: 0, latencies: [] };
  }

  async function post(path, body, headers = {}) {
    const started = performance.now();
    totals.requests++;
    window.requests++;
    try {
      const res = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(30_000) });
      await res.arrayBuffer();
      window.latencies.push(performance.now() - started);
      totals.byStatus[res.status] = (totals.byStatus[res.status] ?? 0) + 1;
      if (res.ok) {
        totals.ok++;
        window.ok++;
      } else {
        window.failed++;
      }
      return res;
    } catch {
      totals.errors++;
      window.failed++;
      return undefined;
    }
  }

  function keyFor(n) {
    const r = n % 10;
    if (r < 4) return null;
    if (r < 9) return `k${(n * 7919) % 500}`;
    return `u${n}`;
  }

  async function one() {
    const n = ++seq;
    if (n % 100 === 50 && lastIdempotent) {
      const res = await post('/produce', lastIdempotent.body, { 'idempotency-key': lastIdempotent.key });
      if (res?.headers.get('idempotent-replayed') === 'true') totals.replayed++;
      return;
    }
    const body = JSON.stringify({ topic: TOPIC, key: keyFor(n), payload: { seq: n, sentAt: new Date().toISOString(), data: filler } });
    const headers = n % 20 === 0 ? { 'idempotency-key': `soak-${n}` } : {};
    const res = await post('/produce', body, headers);
    if (res?.ok) {
      totals.records++;
      window.records++;
      // Replays only of answered keys: a key still in flight is a 409 by design.
      if (headers['idempotency-key']) lastIdempotent = { key: headers['idempotency-key'], body };
    }
  }

  async function batch() {
    const messages = Array.from({ length: BATCH_SIZE }, () => {
      const n = ++seq;
      return { key: keyFor(n), payload: { seq: n, sentAt: new Date().toISOString(), data: filler } };
    });
    totals.batches++;
    const res = await post('/produce/batch', JSON.stringify({ topic: TOPIC, messages }));
    if (res?.status === 200) {
      totals.batchesOk++;
      totals.records += BATCH_SIZE;
      window.records += BATCH_SIZE;
    }
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  async function worker() {
    while (!stopped) {
      const slot = Math.max(nextSlot, performance.now());
      nextSlot = slot + intervalMs;
      const wait = slot - performance.now();
      if (wait > 0) await sleep(wait);
      if (stopped) break;
      await one();
    }
  }
  async function batcher() {
    let next = performance.now() + BATCH_EVERY_MS;
    while (!stopped) {
      await sleep(Math.min(200, Math.max(0, next - performance.now())));
      if (stopped || performance.now() < next) continue;
      next += BATCH_EVERY_MS;
      await batch();
    }
  }
  const done = Promise.all([...Array.from({ length: CONNECTIONS }, worker), batcher()]);

  return {
    totals,
    takeWindow() {
      const w = window;
      window = newWindow();
      return w;
    },
    async stop() {
      stopped = true;
      await done;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Sampling

/** Prometheus text format: [{ name, labels, value }]. */
function parseMetrics(text) {
  const out = [];
  for (const row of text.split('\n')) {
    if (!row || row.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(row);
    if (!match) continue;
    const labels = {};
    for (const [, k, v] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    out.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return out;
}

function sum(metrics, name, where = {}) {
  if (!metrics) return undefined;
  let total = 0;
  let seen = false;
  for (const m of metrics) {
    if (m.name !== name) continue;
    if (Object.entries(where).some(([k, v]) => m.labels[k] !== v)) continue;
    total += m.value;
    seen = true;
  }
  return seen ? total : name.endsWith('_total') ? 0 : undefined;
}

async function scrapeOne(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return res.ok ? parseMetrics(await res.text()) : undefined;
  } catch {
    return undefined;
  }
}

async function scrape(apps, urls, t) {
  const [ingress, forwarder] = await Promise.all([scrapeOne(urls.ingress), scrapeOne(urls.forwarder)]);
  return {
    t,
    ingress: { rssMb: lib.rssMb(apps.ingress.pid), metrics: ingress },
    forwarder: { rssMb: lib.rssMb(apps.forwarder.pid), metrics: forwarder },
  };
}

function appSample(current, previous, dt) {
  const m = current.metrics;
  const p = previous.metrics;
  const cpu = sum(m, `${M}process_cpu_seconds_total`);
  const cpuBefore = sum(p, `${M}process_cpu_seconds_total`);
  return {
    rssMb: round(current.rssMb, 1),
    heapUsedMb: round(mb(sum(m, `${M}nodejs_heap_size_used_bytes`)), 1),
    heapTotalMb: round(mb(sum(m, `${M}nodejs_heap_size_total_bytes`)), 1),
    externalMb: round(mb(sum(m, `${M}nodejs_external_memory_bytes`)), 1),
    eventLoopP99Ms: round(ms(sum(m, `${M}nodejs_eventloop_lag_p99_seconds`)), 1),
    eventLoopMaxMs: round(ms(sum(m, `${M}nodejs_eventloop_lag_max_seconds`)), 1),
    cpuPct: cpu === undefined || cpuBefore === undefined ? undefined : round((100 * (cpu - cpuBefore)) / dt, 0),
    activeHandles: sum(m, `${M}nodejs_active_handles_total`),
    scraped: m !== undefined,
  };
}

function toSample(current, previous, window) {
  const dt = current.t - previous.t;
  const rate = (now, before) => (now === undefined || before === undefined ? undefined : round((now - before) / dt, 1));
  const produced = sum(current.ingress.metrics, `${M}produced_records_total`, { topic: TOPIC });
  const done = sum(current.forwarder.metrics, `${M}forwarder_deliveries_total`);
  return {
    t: round(current.t, 1),
    ingress: appSample(current.ingress, previous.ingress, dt),
    forwarder: appSample(current.forwarder, previous.forwarder, dt),
    producedPerSec: rate(produced, sum(previous.ingress.metrics, `${M}produced_records_total`, { topic: TOPIC })),
    forwardedPerSec: rate(done, sum(previous.forwarder.metrics, `${M}forwarder_deliveries_total`)),
    lag: sum(current.forwarder.metrics, `${M}forwarder_consumer_lag`),
    inFlight: sum(current.forwarder.metrics, `${M}forwarder_in_flight_deliveries`),
    circuitOpen: sum(current.forwarder.metrics, `${M}forwarder_circuit_state`, { state: 'open' }) === 1,
    http: { requests: window.requests, ok: window.ok, failed: window.failed, p50Ms: round(percentile(window.latencies, 50), 1), p99Ms: round(percentile(window.latencies, 99), 1) },
  };
}

const HEADER = `     t |  ingress: RSS MB  heap MB  loop p99 ms  cpu % | forwarder: RSS MB  heap MB  loop p99 ms  cpu % | produced/s  forwarded/s    lag | http ok  failed  p99 ms`;

function line(s) {
  const app = (a) => `${f(a.rssMb, 1, 16)} ${f(a.heapUsedMb, 1, 8)} ${f(a.eventLoopP99Ms, 1, 12)} ${f(a.cpuPct, 0, 6)}`;
  return `${f(s.t, 0, 5)}s | ${app(s.ingress)} | ${' '.repeat(2)}${app(s.forwarder)} | ${f(s.producedPerSec, 0, 10)} ${f(s.forwardedPerSec, 0, 12)} ${f(s.lag, 0, 6)} | ${f(s.http.ok, 0, 7)} ${f(s.http.failed, 0, 7)} ${f(s.http.p99Ms, 1, 7)}${s.circuitOpen ? '  CIRCUIT OPEN' : ''}`;
}

/** After the load stops, how long until the forwarder's lag is 0 (everything done and committed). */
async function waitForDrain(url, forwarder, run) {
  const started = performance.now();
  let lag;
  while (performance.now() - started < DRAIN_S * 1000 && run.deaths.length === 0 && forwarder.exitCode === null) {
    lag = sum(await scrapeOne(url), `${M}forwarder_consumer_lag`);
    if (lag === 0) return { drained: true, seconds: round((performance.now() - started) / 1000, 1), lag };
    await new Promise((r) => setTimeout(r, 1000));
  }
  return { drained: false, seconds: round((performance.now() - started) / 1000, 1), lag };
}

function stopWithin(child, timeoutMs) {
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return lib.stopProcess(child).then((code) => {
    clearTimeout(timer);
    return code ?? child.signalCode;
  });
}

// ---------------------------------------------------------------------------------------------
// Verdict

/** Least-squares slope of y over x. */
function slope(points) {
  const pts = points.filter(([, y]) => Number.isFinite(y));
  if (pts.length < 3) return undefined;
  const mx = pts.reduce((s, [x]) => s + x, 0) / pts.length;
  const my = pts.reduce((s, [, y]) => s + y, 0) / pts.length;
  let num = 0;
  let den = 0;
  for (const [x, y] of pts) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? undefined : num / den;
}

function thirdsBy(values, of) {
  const v = values.filter(Number.isFinite);
  const n = Math.floor(v.length / 3);
  if (n === 0) return {};
  return { first: of(v.slice(0, n)), last: of(v.slice(v.length - n)) };
}

const thirds = (values) => thirdsBy(values, lib.median);

function analyse(samples, baseline, drain, totals) {
  const reasons = [];
  const secondHalf = samples.filter((s) => s.t >= DURATION_S / 2 - 1e-6);
  const afterWarmup = samples.filter((s) => s.t > WARMUP_S);
  const apps = {};
  for (const app of ['ingress', 'forwarder']) {
    const rss = samples.map((s) => s[app].rssMb).filter(Number.isFinite);
    const rssSlope = slope(secondHalf.map((s) => [s.t / 60, s[app].rssMb])); // MB per minute
    // Heap used is a saw-tooth between major GCs: its floor (the least of a third) is what a leak raises.
    const heapThirds = thirdsBy(afterWarmup.map((s) => s[app].heapUsedMb), (v) => Math.min(...v));
    const t = thirds(afterWarmup.map((s) => s[app].rssMb));
    const thirdsPct = t.first ? (100 * (t.last - t.first)) / t.first : undefined;
    const loop = samples.map((s) => s[app].eventLoopP99Ms).filter(Number.isFinite);
    const cpu = samples.map((s) => s[app].cpuPct).filter(Number.isFinite);
    const a = {
      rssBeforeLoadMb: round(baseline[app].rssMb, 1),
      rssFirstMb: rss[0],
      rssLastMb: rss.at(-1),
      rssMinMb: rss.length ? Math.min(...rss) : undefined,
      rssMaxMb: rss.length ? Math.max(...rss) : undefined,
      rssFirstThirdMedianMb: round(t.first, 1),
      rssLastThirdMedianMb: round(t.last, 1),
      rssThirdsGrowthPct: round(thirdsPct, 1),
      rssSlopeMbPerMin: round(rssSlope, 3),
      rssProjectedMbPer10Min: round(rssSlope === undefined ? undefined : rssSlope * 10, 1),
      heapFloorFirstThirdMb: heapThirds.first,
      heapFloorLastThirdMb: heapThirds.last,
      eventLoopP99MedianMs: round(loop.length ? lib.median(loop) : undefined, 1),
      eventLoopP99MaxMs: loop.length ? Math.max(...loop) : undefined,
      cpuMedianPct: round(cpu.length ? lib.median(cpu) : undefined, 0),
      activeHandlesFirst: samples[0]?.[app].activeHandles,
      activeHandlesLast: samples.at(-1)?.[app].activeHandles,
      unscrapedSamples: samples.filter((s) => !s[app].scraped).length,
    };
    if (a.rssProjectedMbPer10Min > MAX_GROWTH_MB) reasons.push(`${app}: RSS grows ${a.rssSlopeMbPerMin} MB/min over the second half (${a.rssProjectedMbPer10Min} MB per 10 min > ${MAX_GROWTH_MB})`);
    if (a.rssThirdsGrowthPct > MAX_THIRDS_PCT) reasons.push(`${app}: last third's median RSS is ${a.rssThirdsGrowthPct}% above the first third's (> ${MAX_THIRDS_PCT}%)`);
    if (a.unscrapedSamples > 0) reasons.push(`${app}: /metrics did not answer in ${a.unscrapedSamples} sample(s)`);
    apps[app] = a;
  }

  const lags = afterWarmup.map((s) => s.lag);
  const lagSlope = slope(secondHalf.map((s) => [s.t / 60, s.lag]));
  const lagThirds = thirds(lags);
  const lag = {
    median: round(lags.filter(Number.isFinite).length ? lib.median(lags.filter(Number.isFinite)) : undefined, 0),
    max: Math.max(...samples.map((s) => s.lag).filter(Number.isFinite), 0),
    slopePerMin: round(lagSlope, 1),
    projectedPer10Min: round(lagSlope === undefined ? undefined : lagSlope * 10, 0),
    firstThirdMedian: lagThirds.first,
    lastThirdMedian: lagThirds.last,
  };
  if (lag.projectedPer10Min > MAX_LAG_GROWTH && lagThirds.last > lagThirds.first + MAX_LAG_GROWTH / 2) reasons.push(`forwarder: lag keeps growing (${lag.slopePerMin} records/min over the second half; last third's median ${lagThirds.last} vs ${lagThirds.first})`);
  if (!drain.drained) reasons.push(`forwarder: lag did not drain to 0 within ${DRAIN_S} s after the load stopped (lag ${drain.lag ?? 'unknown'})`);
  if (samples.some((s) => s.circuitOpen)) reasons.push('forwarder: the circuit opened during the run');

  const failedShare = totals.load.requests ? (totals.load.requests - totals.load.ok) / totals.load.requests : 1;
  if (failedShare > MAX_ERROR_SHARE) reasons.push(`load: ${(failedShare * 100).toFixed(2)}% of requests to the ingress failed (> ${MAX_ERROR_SHARE * 100}%)`);
  if (samples.length * SAMPLE_S < DURATION_S) reasons.push(`ran ${samples.length * SAMPLE_S} s of ${DURATION_S} s`);

  const produced = samples.map((s) => s.producedPerSec).filter(Number.isFinite);
  const forwarded = samples.map((s) => s.forwardedPerSec).filter(Number.isFinite);
  return {
    apps,
    lag,
    throughput: { producedPerSecMean: round(mean(produced), 1), forwardedPerSecMean: round(mean(forwarded), 1) },
    failedShare,
    reasons,
    pass: reasons.length === 0,
  };
}

function summary(a, totals, drain, run, exitCodes) {
  const row = (label, key, digits = 1) => `  ${label.padEnd(44)} ${f(a.apps.ingress[key], digits, 15)} ${f(a.apps.forwarder[key], digits, 15)}`;
  const pair = (label, k1, k2, digits = 1) => `  ${label.padEnd(44)} ${`${f(a.apps.ingress[k1], digits)} / ${f(a.apps.ingress[k2], digits)}`.padStart(15)} ${`${f(a.apps.forwarder[k1], digits)} / ${f(a.apps.forwarder[k2], digits)}`.padStart(15)}`;
  const statuses = Object.entries(totals.load.byStatus).map(([s, n]) => `${s}: ${n}`).join(', ');
  const deaths = run.deaths.map((d) => `${d.app} exited at ${d.atS} s (code ${d.code}, signal ${d.signal})`);
  return `
Soak: ${run.samples.length * SAMPLE_S} s of ${RATE} req/s POST /produce (~1 KiB, c=${CONNECTIONS}) + /produce/batch x${BATCH_SIZE} every ${BATCH_EVERY_MS / 1000} s,
      ${PARTITIONS} partitions, 1-node Kafka, forwarder --workers ${WORKERS} -> /webhook-simulator?${SIMULATOR_QUERY}
${' '.repeat(55)}ingress       forwarder
${row('RSS before load (MB)', 'rssBeforeLoadMb')}
${pair('RSS first / last sample (MB)', 'rssFirstMb', 'rssLastMb')}
${pair('RSS min / max (MB)', 'rssMinMb', 'rssMaxMb')}
${pair(`RSS median, first / last third after ${WARMUP_S} s`, 'rssFirstThirdMedianMb', 'rssLastThirdMedianMb')}
${row('  growth, last third vs first (%)', 'rssThirdsGrowthPct')}
${row('RSS slope, second half (MB/min)', 'rssSlopeMbPerMin', 3)}
${row('  projected growth (MB per 10 min)', 'rssProjectedMbPer10Min')}
${pair('heap used floor, first / last third (MB)', 'heapFloorFirstThirdMb', 'heapFloorLastThirdMb')}
${pair('event loop p99 median / max (ms)', 'eventLoopP99MedianMs', 'eventLoopP99MaxMs')}
${row('CPU median (% of a core)', 'cpuMedianPct', 0)}
${pair('active handles first / last', 'activeHandlesFirst', 'activeHandlesLast', 0)}
  ${'exit code on SIGTERM'.padEnd(44)} ${String(exitCodes.ingress).padStart(15)} ${String(exitCodes.forwarder).padStart(15)}

  produced   ${f(totals.produced, 0)} records (${f(a.throughput.producedPerSecMean, 1)}/s mean); load: ${totals.load.requests} requests (${totals.load.batches} batches), ${totals.load.ok} ok, ${totals.load.replayed} idempotent replays, ${totals.load.errors} errors; statuses ${statuses}
  forwarded  ${f(totals.delivered + totals.deadLettered, 0)} records (${f(a.throughput.forwardedPerSecMean, 1)}/s mean): ${f(totals.delivered, 0)} delivered, ${f(totals.deadLettered, 0)} dead-lettered, ${f(totals.retries, 0)} retries
  lag        median ${f(a.lag.median, 0)}, max ${f(a.lag.max, 0)}, second-half slope ${f(a.lag.slopePerMin, 1)} records/min; ${drain.drained ? `drained to 0 in ${drain.seconds} s after the load stopped` : `NOT drained after ${drain.seconds} s (lag ${f(drain.lag, 0)})`}
${deaths.length ? `  deaths     ${deaths.join('; ')}\n` : ''}
${DURATION_S < 300 ? `  note: in a run under 5 minutes the second half is still warm-up; the growth verdict needs the full run\n` : ''}  growth rule: RSS slope over the second half > ${MAX_GROWTH_MB} MB per 10 min, or last third's median > first third's + ${MAX_THIRDS_PCT}% (after ${WARMUP_S} s)
  verdict: ${a.pass ? 'PASS, no steady growth' : `FAIL\n${a.reasons.map((r) => `    - ${r}`).join('\n')}`}`;
}

// ---------------------------------------------------------------------------------------------

function portFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function percentile(values, p) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const mean = (v) => (v.length ? v.reduce((s, x) => s + x, 0) / v.length : undefined);
const mb = (bytes) => (bytes === undefined ? undefined : bytes / 1024 / 1024);
const ms = (seconds) => (seconds === undefined ? undefined : seconds * 1000);
const round = (n, digits) => (n === undefined || !Number.isFinite(n) ? undefined : Number(n.toFixed(digits)));
const f = (n, digits = 0, width = 0) => lib.fmt(n, digits).padStart(width);

main().catch((error) => {
  console.error(error.stack || error);
  process.exit(1);
});
