// What every part of bench:forwarder shares: the run counts, the drained topic and the bars.
export const RUNS = Number(process.env.BENCH_RUNS || 3);
export const RECORDS = Number(process.env.BENCH_RECORDS || 60_000);
export const TOPIC = 'bench-forward';
export const BARS = {
  sinkRatio: 0.45,
  cpuUs: 45,
  rssMb: 150,
  slowPerSec: 50,
  autoOfBest: 0.9,
  cappedLimit: [5, 12],
  cappedRefused: 0.05,
  adaptS: 10,
  /** --batch-max 100 against single records, to the same sink. */
  batchSpeedup: 5,
  batchCpuUs: 10,
};
