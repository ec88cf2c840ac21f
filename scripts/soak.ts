// npm run soak — SOAK_DURATION_S (600) of steady mixed load: POST /produce with ~1 KiB payloads
// at a fixed rate (keys: none, a pool of 500, unique; some with Idempotency-Key, some replays)
// plus a /produce/batch every 2 s, into a 6-partition topic that one forwarder delivers to the
// ingress's own /webhook-simulator (0-20 ms, 5% failures, so retries and dead letters happen).
// Every SOAK_SAMPLE_S (10) it samples both apps' RSS (/proc), heap and event-loop p99 (/metrics),
// the produce and forward rates and the forwarder's lag. It fails (exit 1) when an app's memory
// grows steadily, an app dies, the lag keeps growing or does not drain, or the load is not served.
// Not part of CI. Uses its own Kafka (.kafka/soak, ports 49592 and 49692) and ports 49593-49594.
// The jobs live in soak/: settings, apps (the system under soak), load, sampling, verdict, report.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { portFree } from './shared/system';
import * as lib from './bench/lib';
import {
  metricsUrl,
  ingressUrl,
  forwarderUrl,
  startApps,
  startSoakKafka,
  stopWithin,
  watchDeaths,
  type Run,
} from './soak/apps';
import { Load } from './soak/load';
import { round } from './soak/numbers';
import { summary } from './soak/report';
import { HEADER, line, scrape, scrapeOne, sum, toSample, type Apps, type Scrape } from './soak/sampling';
import * as settings from './soak/settings';
import { analyse, type Drain, type Totals } from './soak/verdict';

const {
  DURATION_S,
  SAMPLE_S,
  WARMUP_S,
  RATE,
  CONNECTIONS,
  BATCH_SIZE,
  BATCH_EVERY_MS,
  DRAIN_S,
  HEAP_SNAPSHOTS,
  TOPIC,
  M,
} = settings;
const { KAFKA_PORT, INGRESS_PORT, HEALTH_PORT } = settings;

async function checkSettings(): Promise<void> {
  if (!(DURATION_S >= 3 * SAMPLE_S && SAMPLE_S > 0))
    throw new Error(`SOAK_DURATION_S (${DURATION_S}) must be at least 3 x SOAK_SAMPLE_S (${SAMPLE_S})`);
  for (const port of [KAFKA_PORT, INGRESS_PORT, HEALTH_PORT]) {
    if (!(await portFree(port)))
      throw new Error(
        `port ${port} is in use; the soak needs 127.0.0.1:${KAFKA_PORT} (Kafka), ${INGRESS_PORT} (ingress) and ${HEALTH_PORT} (forwarder health)`,
      );
  }
}

/** Samples every SAMPLE_S under load until DURATION_S or an app dies; returns the scrape before the load. */
async function sampleUnderLoad(
  apps: Apps,
  run: Run,
  load: () => Load,
  snapshotDir: string,
): Promise<{ baseline: Scrape; load: Load }> {
  let previous = await scrape(apps, metricsUrl, 0);
  const baseline = previous;
  const running = load();
  run.t0 = performance.now();
  previous.t = 0;
  for (let k = 1; k * SAMPLE_S <= DURATION_S && run.deaths.length === 0; k++) {
    const due = run.t0 + k * SAMPLE_S * 1000;
    await new Promise<void>((resolve) => {
      run.wake = resolve;
      setTimeout(resolve, Math.max(0, due - performance.now()));
    });
    if (run.deaths.length > 0) break;
    const current = await scrape(apps, metricsUrl, (performance.now() - run.t0) / 1000);
    const sample = toSample(current, previous, running.takeWindow());
    run.samples.push(sample);
    console.log(line(sample));
    previous = current;
    const last = (k + 1) * SAMPLE_S > DURATION_S;
    if (HEAP_SNAPSHOTS && (last || (sample.t >= WARMUP_S && sample.t - SAMPLE_S < WARMUP_S))) {
      for (const child of [apps.ingress, apps.forwarder]) child.kill('SIGUSR2');
      console.error(`   (heap snapshots requested at ${Math.round(sample.t)} s, in ${snapshotDir})`);
    }
  }
  await running.stop();
  return { baseline, load: running };
}

/** After the load stops, how long until the forwarder's lag is 0 (everything done and committed). */
async function waitForDrain(apps: Apps, run: Run): Promise<Drain> {
  const started = performance.now();
  const elapsedS = () => round((performance.now() - started) / 1000, 1);
  let lag: number | undefined;
  while (performance.now() - started < DRAIN_S * 1000 && run.deaths.length === 0 && apps.forwarder.exitCode === null) {
    lag = sum(await scrapeOne(metricsUrl.forwarder), `${M}forwarder_consumer_lag`);
    if (lag === 0) return { drained: true, seconds: elapsedS(), lag };
    await lib.sleep(1000);
  }
  return { drained: false, seconds: elapsedS(), lag };
}

async function totalsOf(load: Load): Promise<Totals> {
  const finalIngress = await scrapeOne(metricsUrl.ingress);
  const finalForwarder = await scrapeOne(metricsUrl.forwarder);
  return {
    produced: sum(finalIngress, `${M}produced_records_total`, { topic: TOPIC }),
    delivered: sum(finalForwarder, `${M}forwarder_deliveries_total`, { outcome: 'delivered' }),
    deadLettered: sum(finalForwarder, `${M}forwarder_deliveries_total`, { outcome: 'dead_lettered' }),
    retries: sum(finalForwarder, `${M}forwarder_retries_total`),
    load: load.totals,
  };
}

function announce(apps: Apps, stamp: string): void {
  console.error(
    `ingress pid ${apps.ingress.pid} on ${ingressUrl}, forwarder pid ${apps.forwarder.pid} (health ${forwarderUrl}); logs in bench-results/soak-${stamp}-*.log`,
  );
  console.error(
    `${DURATION_S} s of ${RATE} req/s POST /produce (c=${CONNECTIONS}) + a batch of ${BATCH_SIZE} every ${BATCH_EVERY_MS / 1000} s; sample every ${SAMPLE_S} s, warm-up ${WARMUP_S} s\n`,
  );
}

async function main(): Promise<void> {
  await checkSettings();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logDir = join(lib.repo, 'bench-results');
  mkdirSync(logDir, { recursive: true });

  const run: Run = { samples: [], deaths: [], stopping: false, saved: undefined };
  let cluster: lib.Cluster | undefined;
  const stopKafka = () => {
    cluster?.stop();
    cluster = undefined;
  };
  // Ctrl+C: the lib kills the apps (by pid) and this stops the Kafka and keeps what was sampled.
  lib.cleanupOnExit(() => {
    if (!run.saved && run.samples.length > 0)
      console.error(
        `interrupted; samples so far in ${lib.saveResult('soak-partial', { setup: settings.setup(), samples: run.samples })}`,
      );
    stopKafka();
  });
  cluster = startSoakKafka();

  const snapshotDir = join(logDir, `soak-${stamp}-heap`);
  const nodeFlags = HEAP_SNAPSHOTS ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`] : [];
  if (HEAP_SNAPSHOTS) mkdirSync(snapshotDir, { recursive: true });
  const apps = await startApps(cluster.brokers, join(logDir, `soak-${stamp}`), nodeFlags);
  watchDeaths(apps, run);

  announce(apps, stamp);
  console.log(HEADER);
  const { baseline, load } = await sampleUnderLoad(apps, run, () => new Load(ingressUrl), snapshotDir);
  const drain = await waitForDrain(apps, run);
  const totals = await totalsOf(load);

  run.stopping = true;
  const exitCodes = {
    forwarder: await stopWithin(apps.forwarder, 45_000),
    ingress: await stopWithin(apps.ingress, 45_000),
  };
  stopKafka();

  const analysis = { ...analyse(run.samples, baseline, drain, totals), exitCodes };
  const result = { setup: settings.setup(), analysis, totals, drain, deaths: run.deaths, samples: run.samples };
  run.saved = lib.saveResult('soak', result);
  console.log(summary(analysis, totals, drain, run));
  console.log(`  saved ${run.saved}\n`);
  process.exitCode = analysis.pass ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
