// The soak's knobs (SOAK_* environment variables), its fixed shape and its verdict thresholds.
const env = (name: string, fallback: number): number =>
  process.env[name] === undefined || process.env[name] === '' ? fallback : Number(process.env[name]);

export const DURATION_S = env('SOAK_DURATION_S', 600);
export const SAMPLE_S = env('SOAK_SAMPLE_S', 10);
export const WARMUP_S = env('SOAK_WARMUP_S', Math.min(60, Math.round(DURATION_S / 10)));
export const RATE = env('SOAK_RATE', 250); // single POST /produce requests a second
export const CONNECTIONS = env('SOAK_CONNECTIONS', 16);
export const BATCH_EVERY_MS = 2000;
export const BATCH_SIZE = 20;
export const WORKERS = env('SOAK_WORKERS', 16);
export const DRAIN_S = env('SOAK_DRAIN_S', 60);
// Verdict thresholds: growth projected over 10 minutes from the second half's trend, and the
// last third's median against the first third's (both after the warm-up).
// A one-off step of ~10 MB (the allocator keeping freed pages) is not growth; a leak at 250 req/s shows far more.
export const MAX_GROWTH_MB = env('SOAK_MAX_GROWTH_MB', 20);
export const MAX_THIRDS_PCT = env('SOAK_MAX_THIRDS_PCT', 15);
export const MAX_LAG_GROWTH = env('SOAK_MAX_LAG_GROWTH', 2000);
export const MAX_ERROR_SHARE = 0.01;
// For an investigation, not a verdict: heap snapshots of both apps after the warm-up and at the
// end of the load (each pauses the app and inflates its RSS while it is written).
export const HEAP_SNAPSHOTS = process.env.SOAK_HEAPSNAPSHOTS === '1';

export const KAFKA_PORT = env('SOAK_KAFKA_PORT', 49592);
export const INGRESS_PORT = env('SOAK_INGRESS_PORT', 49593);
export const HEALTH_PORT = env('SOAK_HEALTH_PORT', 49594);
export const TOPIC = 'soak';
export const PARTITIONS = 6;
export const SIMULATOR_QUERY = 'minDelayMs=0&maxDelayMs=20&failRate=0.05';
/** The prefix of both apps' Prometheus metrics. */
export const M = 'kafka_gateway_';

/** The run's shape and thresholds, saved beside its samples. */
export function setup() {
  return {
    durationS: DURATION_S,
    sampleS: SAMPLE_S,
    warmupS: WARMUP_S,
    rate: RATE,
    connections: CONNECTIONS,
    batch: { everyMs: BATCH_EVERY_MS, size: BATCH_SIZE },
    topic: TOPIC,
    partitions: PARTITIONS,
    workers: WORKERS,
    target: `/webhook-simulator?${SIMULATOR_QUERY}`,
    kafkaNodes: 1,
    thresholds: {
      maxGrowthMbPer10Min: MAX_GROWTH_MB,
      maxThirdsPct: MAX_THIRDS_PCT,
      maxLagGrowthPer10Min: MAX_LAG_GROWTH,
      drainS: DRAIN_S,
      maxErrorShare: MAX_ERROR_SHARE,
    },
    node: process.version,
  };
}
