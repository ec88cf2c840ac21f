// Verification: does an app's memory grow steadily, does the lag keep growing or fail to drain,
// did an app die, was the load served? Every failed rule is one reason in the verdict.
import { median } from '../bench/lib';
import type { LoadTotals } from './load';
import { mean, round } from './numbers';
import type { AppName, Sample, Scrape } from './sampling';
import {
  DRAIN_S,
  DURATION_S,
  MAX_ERROR_SHARE,
  MAX_GROWTH_MB,
  MAX_LAG_GROWTH,
  MAX_THIRDS_PCT,
  SAMPLE_S,
  WARMUP_S,
} from './settings';

export interface Drain {
  drained: boolean;
  seconds: number | undefined;
  lag: number | undefined;
}

export interface Totals {
  produced: number | undefined;
  delivered: number | undefined;
  deadLettered: number | undefined;
  retries: number | undefined;
  load: LoadTotals;
}

/** Least-squares slope of y over x. */
export function slope(points: [number, number | undefined][]): number | undefined {
  const pts = points.filter((p): p is [number, number] => Number.isFinite(p[1]));
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

/** A missing figure breaks no rule. */
const exceeds = (value: number | undefined, max: number) => value !== undefined && value > max;
const finite = (values: (number | undefined)[]) => values.filter((v): v is number => Number.isFinite(v));

function thirdsBy(values: (number | undefined)[], of: (v: number[]) => number): { first?: number; last?: number } {
  const v = finite(values);
  const n = Math.floor(v.length / 3);
  if (n === 0) return {};
  return { first: of(v.slice(0, n)), last: of(v.slice(v.length - n)) };
}

const thirds = (values: (number | undefined)[]) => thirdsBy(values, median);
const secondHalf = (samples: Sample[]) => samples.filter((s) => s.t >= DURATION_S / 2 - 1e-6);
const afterWarmup = (samples: Sample[]) => samples.filter((s) => s.t > WARMUP_S);

function analyseApp(app: AppName, samples: Sample[], baseline: Scrape) {
  const rss = finite(samples.map((s) => s[app].rssMb));
  const rssSlope = slope(secondHalf(samples).map((s) => [s.t / 60, s[app].rssMb])); // MB per minute
  // Heap used is a saw-tooth between major GCs: its floor (the least of a third) is what a leak raises.
  const heapThirds = thirdsBy(
    afterWarmup(samples).map((s) => s[app].heapUsedMb),
    (v) => Math.min(...v),
  );
  const t = thirds(afterWarmup(samples).map((s) => s[app].rssMb));
  const thirdsPct = t.first !== undefined && t.last !== undefined ? (100 * (t.last - t.first)) / t.first : undefined;
  const loop = finite(samples.map((s) => s[app].eventLoopP99Ms));
  const cpu = finite(samples.map((s) => s[app].cpuPct));
  return {
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
    eventLoopP99MedianMs: round(loop.length ? median(loop) : undefined, 1),
    eventLoopP99MaxMs: loop.length ? Math.max(...loop) : undefined,
    cpuMedianPct: round(cpu.length ? median(cpu) : undefined, 0),
    activeHandlesFirst: samples[0]?.[app].activeHandles,
    activeHandlesLast: samples.at(-1)?.[app].activeHandles,
    unscrapedSamples: samples.filter((s) => !s[app].scraped).length,
  };
}
export type AppAnalysis = ReturnType<typeof analyseApp>;

function appReasons(app: AppName, a: AppAnalysis): string[] {
  const reasons: string[] = [];
  if (exceeds(a.rssProjectedMbPer10Min, MAX_GROWTH_MB))
    reasons.push(
      `${app}: RSS grows ${a.rssSlopeMbPerMin} MB/min over the second half (${a.rssProjectedMbPer10Min} MB per 10 min > ${MAX_GROWTH_MB})`,
    );
  if (exceeds(a.rssThirdsGrowthPct, MAX_THIRDS_PCT))
    reasons.push(
      `${app}: last third's median RSS is ${a.rssThirdsGrowthPct}% above the first third's (> ${MAX_THIRDS_PCT}%)`,
    );
  if (a.unscrapedSamples > 0) reasons.push(`${app}: /metrics did not answer in ${a.unscrapedSamples} sample(s)`);
  return reasons;
}

function analyseLag(samples: Sample[]) {
  const lags = finite(afterWarmup(samples).map((s) => s.lag));
  const lagSlope = slope(secondHalf(samples).map((s) => [s.t / 60, s.lag]));
  const lagThirds = thirds(lags);
  return {
    median: round(lags.length ? median(lags) : undefined, 0),
    max: Math.max(...finite(samples.map((s) => s.lag)), 0),
    slopePerMin: round(lagSlope, 1),
    projectedPer10Min: round(lagSlope === undefined ? undefined : lagSlope * 10, 0),
    firstThirdMedian: lagThirds.first,
    lastThirdMedian: lagThirds.last,
  };
}
export type LagAnalysis = ReturnType<typeof analyseLag>;

function forwarderReasons(lag: LagAnalysis, drain: Drain, samples: Sample[]): string[] {
  const reasons: string[] = [];
  const { firstThirdMedian: first, lastThirdMedian: last } = lag;
  if (
    exceeds(lag.projectedPer10Min, MAX_LAG_GROWTH) &&
    first !== undefined &&
    exceeds(last, first + MAX_LAG_GROWTH / 2)
  )
    reasons.push(
      `forwarder: lag keeps growing (${lag.slopePerMin} records/min over the second half; last third's median ${last} vs ${first})`,
    );
  if (!drain.drained)
    reasons.push(
      `forwarder: lag did not drain to 0 within ${DRAIN_S} s after the load stopped (lag ${drain.lag ?? 'unknown'})`,
    );
  if (samples.some((s) => s.circuitOpen)) reasons.push('forwarder: the circuit opened during the run');
  return reasons;
}

export function analyse(samples: Sample[], baseline: Scrape, drain: Drain, totals: Totals) {
  const apps = {
    ingress: analyseApp('ingress', samples, baseline),
    forwarder: analyseApp('forwarder', samples, baseline),
  };
  const lag = analyseLag(samples);
  const reasons = [
    ...appReasons('ingress', apps.ingress),
    ...appReasons('forwarder', apps.forwarder),
    ...forwarderReasons(lag, drain, samples),
  ];
  const failedShare = totals.load.requests ? (totals.load.requests - totals.load.ok) / totals.load.requests : 1;
  if (failedShare > MAX_ERROR_SHARE)
    reasons.push(
      `load: ${(failedShare * 100).toFixed(2)}% of requests to the ingress failed (> ${MAX_ERROR_SHARE * 100}%)`,
    );
  if (samples.length * SAMPLE_S < DURATION_S) reasons.push(`ran ${samples.length * SAMPLE_S} s of ${DURATION_S} s`);
  const produced = finite(samples.map((s) => s.producedPerSec));
  const forwarded = finite(samples.map((s) => s.forwardedPerSec));
  return {
    apps,
    lag,
    throughput: { producedPerSecMean: round(mean(produced), 1), forwardedPerSecMean: round(mean(forwarded), 1) },
    failedShare,
    reasons,
    pass: reasons.length === 0,
  };
}
export type Analysis = ReturnType<typeof analyse> & { exitCodes?: Record<AppName, number | string | null> };
