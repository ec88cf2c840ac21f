// Report: the summary table of both apps, the totals, the lag and the verdict with its reasons.
import type { Run } from './apps';
import { f } from './numbers';
import {
  BATCH_EVERY_MS,
  BATCH_SIZE,
  CONNECTIONS,
  DURATION_S,
  MAX_GROWTH_MB,
  MAX_THIRDS_PCT,
  PARTITIONS,
  RATE,
  SAMPLE_S,
  SIMULATOR_QUERY,
  WARMUP_S,
  WORKERS,
} from './settings';
import type { AppAnalysis, Analysis, Drain, Totals } from './verdict';

type Key = keyof AppAnalysis;

function appRows(a: Analysis): string {
  const { ingress, forwarder } = a.apps;
  const row = (label: string, key: Key, digits = 1) =>
    `  ${label.padEnd(44)} ${f(ingress[key], digits, 15)} ${f(forwarder[key], digits, 15)}`;
  const pair = (label: string, k1: Key, k2: Key, digits = 1) =>
    `  ${label.padEnd(44)} ${`${f(ingress[k1], digits)} / ${f(ingress[k2], digits)}`.padStart(15)} ${`${f(forwarder[k1], digits)} / ${f(forwarder[k2], digits)}`.padStart(15)}`;
  return `${row('RSS before load (MB)', 'rssBeforeLoadMb')}
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
  ${'exit code on SIGTERM'.padEnd(44)} ${String(a.exitCodes?.ingress).padStart(15)} ${String(a.exitCodes?.forwarder).padStart(15)}`;
}

function totalsRows(a: Analysis, totals: Totals, drain: Drain, run: Run): string {
  const statuses = Object.entries(totals.load.byStatus)
    .map(([s, n]) => `${s}: ${n}`)
    .join(', ');
  const deaths = run.deaths.map((d) => `${d.app} exited at ${d.atS} s (code ${d.code}, signal ${d.signal})`);
  const load = totals.load;
  const forwarded = (totals.delivered ?? NaN) + (totals.deadLettered ?? NaN);
  return `  produced   ${f(totals.produced, 0)} records (${f(a.throughput.producedPerSecMean, 1)}/s mean); load: ${load.requests} requests (${load.batches} batches), ${load.ok} ok, ${load.replayed} idempotent replays, ${load.errors} errors; statuses ${statuses}
  forwarded  ${f(forwarded, 0)} records (${f(a.throughput.forwardedPerSecMean, 1)}/s mean): ${f(totals.delivered, 0)} delivered, ${f(totals.deadLettered, 0)} dead-lettered, ${f(totals.retries, 0)} retries
  lag        median ${f(a.lag.median, 0)}, max ${f(a.lag.max, 0)}, second-half slope ${f(a.lag.slopePerMin, 1)} records/min; ${drain.drained ? `drained to 0 in ${drain.seconds} s after the load stopped` : `NOT drained after ${drain.seconds} s (lag ${f(drain.lag, 0)})`}
${deaths.length ? `  deaths     ${deaths.join('; ')}\n` : ''}`;
}

/** The summary printed after the run. */
export function summary(a: Analysis, totals: Totals, drain: Drain, run: Run): string {
  return `
Soak: ${run.samples.length * SAMPLE_S} s of ${RATE} req/s POST /produce (~1 KiB, c=${CONNECTIONS}) + /produce/batch x${BATCH_SIZE} every ${BATCH_EVERY_MS / 1000} s,
      ${PARTITIONS} partitions, 1-node Kafka, forwarder --workers ${WORKERS} -> /webhook-simulator?${SIMULATOR_QUERY}
${' '.repeat(55)}ingress       forwarder
${appRows(a)}

${totalsRows(a, totals, drain, run)}
${DURATION_S < 300 ? `  note: in a run under 5 minutes the second half is still warm-up; the growth verdict needs the full run\n` : ''}  growth rule: RSS slope over the second half > ${MAX_GROWTH_MB} MB per 10 min, or last third's median > first third's + ${MAX_THIRDS_PCT}% (after ${WARMUP_S} s)
  verdict: ${a.pass ? 'PASS, no steady growth' : `FAIL\n${a.reasons.map((r) => `    - ${r}`).join('\n')}`}`;
}
