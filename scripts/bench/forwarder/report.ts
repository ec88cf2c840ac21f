// The table and the bars of bench:forwarder, from the medians of its runs; saves the result.
import * as lib from '../lib';
import type { AutocannonResult } from '../lib';
import type { CappedRun, JumpRun, SlowRun } from './adaptive';
import type { ConsumerPerf, Drain } from './drain';
import { BARS, RECORDS, RUNS } from './settings';

export interface Results {
  fixed: number[];
  batches: number[];
  /** Records per request of the floor's rows (forwarder-floor.ts). */
  floors: number[];
  ceilingConnections: number;
  sinkCeiling: AutocannonResult;
  consumerCeiling: ConsumerPerf;
  drains: Record<string, Drain[]>;
  axios: Drain | undefined;
  slow: SlowRun[];
  capped: CappedRun[];
  jump: JumpRun[];
}

type DrainMedian = Pick<Drain, 'perSec' | 'cpuUs' | 'peakRssMb'> & { runs: Drain[] };

function medians(drains: Record<string, Drain[]>): Record<string, DrainMedian> {
  return Object.fromEntries(
    Object.entries(drains).map(([name, runs]) => [
      name,
      {
        perSec: lib.medianOf(runs, 'perSec'),
        cpuUs: lib.medianOf(runs, 'cpuUs'),
        peakRssMb: lib.medianOf(runs, 'peakRssMb'),
        runs,
      },
    ]),
  );
}

function verdict({ fixed, batches, sinkCeiling, drains, slow, capped, jump }: Results) {
  const median = medians(drains);
  const auto = median.auto;
  const bestFixed = fixed
    .map((n): [number, DrainMedian] => [n, median[String(n)]])
    .reduce((a, b) => (a[1].perSec >= b[1].perSec ? a : b));
  const slowMedian = lib.median(slow.map((r) => r.perSec));
  const cappedRow = {
    allDelivered: capped.every((r) => r.delivered === r.records && r.deadLettered === 0),
    limitMin: lib.median(capped.map((r) => r.limitMin)),
    limitMax: lib.median(capped.map((r) => r.limitMax)),
    refusedShare: lib.median(capped.map((r) => r.refusedShare)),
  };
  const jumpRow = {
    adaptS: lib.median(jump.map((r) => r.adaptS)),
    deadLettered: Math.max(...jump.map((r) => r.deadLettered)),
    before: lib.median(jump.map((r) => r.limitBefore)),
    after: lib.median(jump.map((r) => r.limitAfter)),
  };
  const checks = {
    sinkRatio: auto.perSec / sinkCeiling.rps >= BARS.sinkRatio,
    cpuUs: auto.cpuUs <= BARS.cpuUs,
    rssMb: auto.peakRssMb <= BARS.rssMb,
    slow: slowMedian >= BARS.slowPerSec,
    autoOfBest: auto.perSec / bestFixed[1].perSec >= BARS.autoOfBest,
    capped:
      cappedRow.allDelivered &&
      cappedRow.limitMin >= BARS.cappedLimit[0] &&
      cappedRow.limitMax <= BARS.cappedLimit[1] &&
      cappedRow.refusedShare < BARS.cappedRefused,
    jump: jumpRow.adaptS <= BARS.adaptS && jumpRow.deadLettered === 0,
  };
  const largest = batches.length ? median[`batch ${Math.max(...batches)}`] : undefined;
  if (largest) {
    Object.assign(checks, {
      batchSpeedup: largest.perSec / auto.perSec >= BARS.batchSpeedup,
      batchCpuUs: largest.cpuUs <= BARS.batchCpuUs,
    });
  }
  return { median, auto, bestFixed, slowMedian, cappedRow, jumpRow, checks };
}

/** Prints the table and the bars; true when every bar is met. */
export function report(results: Results): boolean {
  const { fixed, batches, floors, ceilingConnections, sinkCeiling, consumerCeiling, axios, slow, capped, jump } =
    results;
  const { median, auto, bestFixed, slowMedian, cappedRow, jumpRow, checks } = verdict(results);
  const mark = (ok: boolean) => (ok ? 'met' : 'NOT MET');
  const drainRow = (label: string, r: Pick<Drain, 'perSec' | 'cpuUs' | 'peakRssMb'>) =>
    `  ${label.padEnd(38)} ${lib.fmt(r.perSec).padStart(8)}   ${((r.perSec / sinkCeiling.rps) * 100).toFixed(1).padStart(5)}%   ${r.cpuUs.toFixed(1).padStart(6)}   ${lib.fmt(r.peakRssMb, 1).padStart(6)}`;
  const saved = lib.saveResult('forwarder', {
    setup: { records: RECORDS, runs: RUNS, fixed },
    sinkCeiling,
    consumerCeiling,
    drains: median,
    axios,
    slow,
    capped,
    jump,
    checks,
  });
  console.log(`
Forwarder benchmark, medians of ${RUNS} runs: ${RECORDS} records of 1 KiB, 6 partitions, 1-node Kafka${lib.nodeFlagsNote()}
                                           per second   of sink   CPU µs/delivery   peak RSS MB
  sink ceiling (autocannon, c=${ceilingConnections})            ${lib.fmt(sinkCeiling.rps).padStart(8)}   100.0%   (p50 ${sinkCeiling.p50} ms, p99 ${sinkCeiling.p99} ms)
  kafka-consumer-perf-test                 ${lib.fmt(consumerCeiling.recordsPerSec).padStart(8)} rec/s (${lib.fmt(consumerCeiling.mbPerSec, 1)} MB/s, the Kafka ceiling)
${[
  drainRow('forwarder --workers auto (default)', auto),
  ...fixed.map((n) => drainRow(`forwarder --workers ${n}`, median[String(n)])),
  ...batches.map((n) => drainRow(`forwarder --batch-max ${n} (per record)`, median[`batch ${n}`])),
  ...(axios ? [drainRow('forwarder auto, --http-client axios (1 run)', axios)] : []),
  ...floors.map((n) => drainRow(`floor: kafkajs+undici, ${n} per request`, median[`floor ${n}`])),
].join('\n')}
  ${floorLine(floors, median)}

  adaptive concurrency, defaults (--workers auto):
  slow target (simulator, 3 000 keyed records, 15 partitions)   ${lib.fmt(slowMedian, 1)} deliveries/s  (runs: ${slow.map((r) => r.perSec.toFixed(1)).join(', ')})
  503 beyond 8 in flight (12 000 records)                       ${cappedRow.allDelivered ? 'all delivered, 0 dead-lettered' : 'RECORDS LOST OR DEAD-LETTERED'}; limit after 10 s ${cappedRow.limitMin}-${cappedRow.limitMax}; 503s after 10 s ${(cappedRow.refusedShare * 100).toFixed(2)}% of attempts
  fast sink: auto against the best fixed (--workers ${bestFixed[0]})         ${((auto.perSec / bestFixed[1].perSec) * 100).toFixed(1)}%
  latency 5 ms -> 500 ms mid-run                                limit ${jumpRow.before} -> ${jumpRow.after}, settled ${jumpRow.adaptS.toFixed(1)} s after the jump, ${jumpRow.deadLettered} dead-lettered

  bars: auto >= ${BARS.sinkRatio * 100}% of the sink: ${mark(checks.sinkRatio)}; CPU <= ${BARS.cpuUs} µs/delivery: ${mark(checks.cpuUs)}; RSS <= ${BARS.rssMb} MB: ${mark(checks.rssMb)}
        ${batchBars(batches, median, auto, checks, mark)}
        slow target >= ${BARS.slowPerSec}/s: ${mark(checks.slow)}; 503-capped target: ${mark(checks.capped)}; auto >= ${BARS.autoOfBest * 100}% of best fixed: ${mark(checks.autoOfBest)}; latency jump adapts <= ${BARS.adaptS} s: ${mark(checks.jump)}
  saved ${saved}
`);
  return Object.values(checks).every(Boolean);
}

/**
 * What the forwarder's machinery costs: its CPU per record against the floor's with as many
 * records to a request (single records: the best fixed --workers row and auto).
 */
function floorLine(floors: number[], median: Record<string, DrainMedian>): string {
  const against = (row: DrainMedian | undefined, n: number) =>
    row ? `${(row.cpuUs / median[`floor ${n}`].cpuUs).toFixed(2)}x` : 'n/a';
  return floors
    .map((n) =>
      n === 1
        ? `CPU per record against the floor: auto ${against(median.auto, 1)}, --workers 64 ${against(median['64'], 1)}`
        : `--batch-max ${n} ${against(median[`batch ${n}`], n)}`,
    )
    .join('; ');
}

/** The batch bars' line: the largest --batch-max against single records, and its CPU per record. */
function batchBars(
  batches: number[],
  median: Record<string, DrainMedian>,
  auto: DrainMedian,
  checks: Record<string, boolean>,
  mark: (ok: boolean) => string,
): string {
  if (!batches.length) return 'batches: not measured';
  const n = Math.max(...batches);
  const row = median[`batch ${n}`];
  return `--batch-max ${n} >= ${BARS.batchSpeedup}x single records/s: ${mark(checks.batchSpeedup)} (${(row.perSec / auto.perSec).toFixed(1)}x); <= ${BARS.batchCpuUs} CPU µs/record: ${mark(checks.batchCpuUs)}`;
}
