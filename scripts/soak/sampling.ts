// Sampling: both apps' RSS (/proc) and /metrics (heap, event-loop p99, CPU, rates, lag), one line each.
import type { ChildProcess } from 'node:child_process';
import { rssMb } from '../shared/system';
import type { LoadWindow } from './load';
import { f, mb, ms, percentile, round } from './numbers';
import { M, TOPIC } from './settings';

export interface Metric {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Apps {
  ingress: ChildProcess;
  forwarder: ChildProcess;
}
export type AppName = keyof Apps;

interface AppScrape {
  rssMb: number | undefined;
  metrics: Metric[] | undefined;
}
export interface Scrape {
  t: number;
  ingress: AppScrape;
  forwarder: AppScrape;
}

export interface AppSample {
  rssMb: number | undefined;
  heapUsedMb: number | undefined;
  heapTotalMb: number | undefined;
  externalMb: number | undefined;
  eventLoopP99Ms: number | undefined;
  eventLoopMaxMs: number | undefined;
  cpuPct: number | undefined;
  activeHandles: number | undefined;
  scraped: boolean;
}

export interface Sample {
  t: number;
  ingress: AppSample;
  forwarder: AppSample;
  producedPerSec: number | undefined;
  forwardedPerSec: number | undefined;
  lag: number | undefined;
  inFlight: number | undefined;
  circuitOpen: boolean;
  http: { requests: number; ok: number; failed: number; p50Ms: number | undefined; p99Ms: number | undefined };
}

/** Prometheus text format: [{ name, labels, value }]. */
export function parseMetrics(text: string): Metric[] {
  const out: Metric[] = [];
  for (const row of text.split('\n')) {
    if (!row || row.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(row);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    out.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return out;
}

/** The sum of a metric's samples that match `where`; 0 for an absent counter, undefined otherwise. */
export function sum(metrics: Metric[] | undefined, name: string, where: Record<string, string> = {}) {
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

export async function scrapeOne(url: string): Promise<Metric[] | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return res.ok ? parseMetrics(await res.text()) : undefined;
  } catch {
    return undefined;
  }
}

export async function scrape(apps: Apps, urls: Record<AppName, string>, t: number): Promise<Scrape> {
  const [ingress, forwarder] = await Promise.all([scrapeOne(urls.ingress), scrapeOne(urls.forwarder)]);
  return {
    t,
    ingress: { rssMb: rssMb(apps.ingress.pid!), metrics: ingress },
    forwarder: { rssMb: rssMb(apps.forwarder.pid!), metrics: forwarder },
  };
}

function appSample(current: AppScrape, previous: AppScrape, dt: number): AppSample {
  const m = current.metrics;
  const cpu = sum(m, `${M}process_cpu_seconds_total`);
  const cpuBefore = sum(previous.metrics, `${M}process_cpu_seconds_total`);
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

export function toSample(current: Scrape, previous: Scrape, window: LoadWindow): Sample {
  const dt = current.t - previous.t;
  const rate = (now: number | undefined, before: number | undefined) =>
    now === undefined || before === undefined ? undefined : round((now - before) / dt, 1);
  const produced = (s: Scrape) => sum(s.ingress.metrics, `${M}produced_records_total`, { topic: TOPIC });
  const done = (s: Scrape) => sum(s.forwarder.metrics, `${M}forwarder_deliveries_total`);
  const forwarder = current.forwarder.metrics;
  return {
    t: round(current.t, 1)!,
    ingress: appSample(current.ingress, previous.ingress, dt),
    forwarder: appSample(current.forwarder, previous.forwarder, dt),
    producedPerSec: rate(produced(current), produced(previous)),
    forwardedPerSec: rate(done(current), done(previous)),
    lag: sum(forwarder, `${M}forwarder_consumer_lag`),
    inFlight: sum(forwarder, `${M}forwarder_in_flight_deliveries`),
    circuitOpen: sum(forwarder, `${M}forwarder_circuit_state`, { state: 'open' }) === 1,
    http: {
      requests: window.requests,
      ok: window.ok,
      failed: window.failed,
      p50Ms: round(percentile(window.latencies, 50), 1),
      p99Ms: round(percentile(window.latencies, 99), 1),
    },
  };
}

export const HEADER = `     t |  ingress: RSS MB  heap MB  loop p99 ms  cpu % | forwarder: RSS MB  heap MB  loop p99 ms  cpu % | produced/s  forwarded/s    lag | http ok  failed  p99 ms`;

/** One sample as a row under HEADER. */
export function line(s: Sample): string {
  const app = (a: AppSample) =>
    `${f(a.rssMb, 1, 16)} ${f(a.heapUsedMb, 1, 8)} ${f(a.eventLoopP99Ms, 1, 12)} ${f(a.cpuPct, 0, 6)}`;
  return `${f(s.t, 0, 5)}s | ${app(s.ingress)} | ${' '.repeat(2)}${app(s.forwarder)} | ${f(s.producedPerSec, 0, 10)} ${f(s.forwardedPerSec, 0, 12)} ${f(s.lag, 0, 6)} | ${f(s.http.ok, 0, 7)} ${f(s.http.failed, 0, 7)} ${f(s.http.p99Ms, 1, 7)}${s.circuitOpen ? '  CIRCUIT OPEN' : ''}`;
}
