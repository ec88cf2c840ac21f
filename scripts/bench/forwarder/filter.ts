// The --filter rows of bench:forwarder: the compiled expression alone over the drained topic's
// records (in this process, CPU µs per record, against the 3 µs bar), and a drain of the topic
// through a filter that keeps half of it (records/s read and CPU µs per record read).
// eslint-disable-next-line @typescript-eslint/no-restricted-imports -- the filter's own cost per record is measured in process: no HTTP path isolates it
import { compileFilter } from '../../../apps/forwarder/src/filter-expression';
import * as lib from '../lib';
import { drain, type Drain } from './drain';
import { RECORDS, RUNS } from './settings';

/** Keeps the records with an even `i` (the values are `{"i":n,"data":"x..."}`, 1 KiB). */
export const HALF = 'int(value.i) % 2 == 0';
const FILTER_BAR_US = 3;

export interface FilterRuns {
  /** The expression alone, CPU µs per record (median of RUNS passes over RECORDS records). */
  evalUs: number;
  drains: Drain[];
}

export async function filterRuns(brokers: string, sinkPort: number): Promise<FilterRuns> {
  const passes: number[] = [];
  for (let run = 1; run <= RUNS; run++) passes.push(filterAloneUs());
  const drains: Drain[] = [];
  for (let run = 1; run <= RUNS; run++) {
    drains.push(await drain(brokers, sinkPort, ['--filter', HALF], `bench-filter-${run}-${Date.now()}`, RECORDS / 2));
    const last = drains[drains.length - 1];
    console.error(
      `run ${run}, --filter keeps half: ${lib.fmt(last.perSec * 2)} records/s read, ${(last.cpuUs / 2).toFixed(1)} CPU µs/record read`,
    );
  }
  return { evalUs: lib.median(passes), drains };
}

/** The rows, and whether the filter's own cost meets its bar. */
export function filterReport({ evalUs, drains }: FilterRuns, sinkRps: number): { text: string; met: boolean } {
  // A drain counts deliveries: twice as many records were read, so per record read the CPU halves.
  const perSec = lib.median(drains.map((d) => d.perSec)) * 2;
  const cpuUs = lib.median(drains.map((d) => d.cpuUs)) / 2;
  const met = evalUs <= FILTER_BAR_US;
  const text = `  --filter '${HALF}' (keeps half), auto    ${lib.fmt(perSec).padStart(8)} records/s read (${((perSec / 2 / sinkRps) * 100).toFixed(1)}% of the sink delivered), ${cpuUs.toFixed(1)} CPU µs/record read
  the filter alone (compiled once, JSON.parse of the 1 KiB value included)   ${evalUs.toFixed(2)} CPU µs/record
  bar: a filter costs <= ${FILTER_BAR_US} µs/record: ${met ? 'met' : 'NOT MET'}`;
  return { text, met };
}

/** One pass of the compiled filter over records shaped like the drained topic's. */
function filterAloneUs(): number {
  const matches = compileFilter(HALF);
  const records = Array.from({ length: 1_000 }, (_, i) => ({
    topic: 'bench-forward',
    partition: i % 6,
    offset: BigInt(i),
    key: Buffer.from(`k${(i * 7919) % 1000}`),
    value: Buffer.from(JSON.stringify({ i, data: 'x'.repeat(1000) })),
    headers: {},
    timestamp: Date.now(),
  }));
  let kept = 0;
  for (let i = 0; i < 20_000; i++) if (matches(records[i % 1_000])) kept++;
  const start = process.cpuUsage();
  for (let i = 0; i < RECORDS; i++) if (matches(records[i % 1_000])) kept++;
  const used = process.cpuUsage(start);
  if (kept === 0) throw new Error('the filter kept nothing');
  return (used.user + used.system) / RECORDS;
}
