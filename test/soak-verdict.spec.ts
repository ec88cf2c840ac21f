import type { AppSample, Sample, Scrape } from '../scripts/soak/sampling';
import { analyse, type Drain, type Totals } from '../scripts/soak/verdict';

// The soak's defaults: 600 s sampled every 10 s, a 60 s warm-up (no SOAK_* variable is set here).
const TIMES = Array.from({ length: 60 }, (_, i) => (i + 1) * 10);

function app(rssMb: number, overrides: Partial<AppSample> = {}): AppSample {
  return {
    rssMb,
    heapUsedMb: 40,
    heapTotalMb: 60,
    externalMb: 2,
    eventLoopP99Ms: 12,
    eventLoopMaxMs: 30,
    cpuPct: 40,
    activeHandles: 20,
    scraped: true,
    ...overrides,
  };
}

/** A run whose ingress RSS follows `ingressRss(t)`; the forwarder stays at 120 MB, the lag at `lag(t)`. */
function samples(ingressRss: (t: number) => number, lag: (t: number) => number = () => 50): Sample[] {
  return TIMES.map((t) => ({
    t,
    ingress: app(ingressRss(t)),
    forwarder: app(120 + (t % 20 === 0 ? 0.5 : -0.5)),
    producedPerSec: 290,
    forwardedPerSec: 290,
    lag: lag(t),
    inFlight: 16,
    circuitOpen: false,
    http: { requests: 2500, ok: 2500, failed: 0, p50Ms: 2, p99Ms: 9 },
  }));
}

const baseline: Scrape = {
  t: 0,
  ingress: { rssMb: 95, metrics: [] },
  forwarder: { rssMb: 110, metrics: [] },
};
const drained: Drain = { drained: true, seconds: 1.2, lag: 0 };
const totals: Totals = {
  produced: 174_000,
  delivered: 165_000,
  deadLettered: 9_000,
  retries: 12_000,
  load: {
    requests: 150_000,
    ok: 150_000,
    replayed: 1500,
    records: 174_000,
    byStatus: {},
    errors: 0,
    batches: 300,
    batchesOk: 300,
  },
};

describe('the soak verdict', () => {
  it('passes a run whose memory and lag stay level, a one-off 10 MB step included', () => {
    const result = analyse(
      samples((t) => (t < 120 ? 100 : 110) + (t % 20 === 0 ? 0.7 : -0.7)),
      baseline,
      drained,
      totals,
    );
    expect(result.reasons).toEqual([]);
    expect(result.pass).toBe(true);
    expect(result.apps.ingress.rssProjectedMbPer10Min).toBeLessThan(2);
  });

  it('fails an app whose RSS grows 3 MB a minute, naming the app and the projected growth', () => {
    const result = analyse(
      samples((t) => 100 + (3 * t) / 60),
      baseline,
      drained,
      totals,
    );
    expect(result.pass).toBe(false);
    expect(result.apps.ingress.rssProjectedMbPer10Min).toBeCloseTo(30, 1);
    expect(result.reasons).toEqual([
      'ingress: RSS grows 3 MB/min over the second half (30 MB per 10 min > 20)',
      expect.stringMatching(/^ingress: last third's median RSS is [\d.]+% above the first third's \(> 15%\)$/),
    ]);
  });

  it('fails a lag that keeps growing and does not drain after the load', () => {
    const result = analyse(
      samples(
        () => 100,
        (t) => 40 * t,
      ),
      baseline,
      { drained: false, seconds: 60, lag: 24_000 },
      totals,
    );
    expect(result.reasons).toEqual([
      expect.stringMatching(/^forwarder: lag keeps growing \(2400 records\/min over the second half; /),
      'forwarder: lag did not drain to 0 within 60 s after the load stopped (lag 24000)',
    ]);
  });

  it('fails when /metrics went unanswered, the circuit opened, or over 1% of the load failed', () => {
    const run = samples(() => 100);
    run[10].forwarder.scraped = false;
    run[20].circuitOpen = true;
    const result = analyse(run, baseline, drained, { ...totals, load: { ...totals.load, ok: 148_000 } });
    expect(result.reasons).toEqual([
      'forwarder: /metrics did not answer in 1 sample(s)',
      'forwarder: the circuit opened during the run',
      'load: 1.33% of requests to the ingress failed (> 1%)',
    ]);
  });
});
