// The adaptive-concurrency rows of bench:forwarder, defaults throughout (--workers auto): the
// ingress's webhook simulator, a target that refuses beyond 8 in flight, a latency jump.
import { join } from 'node:path';
import { freePort, waitForHttp } from '../../shared/system';
import * as lib from '../lib';
import { fillKeyed } from './drain';
import { startForwarder, watch } from './forwarder-process';

export interface SlowRun {
  perSec: number;
  done: number;
  deadLettered: number;
  limit: number;
}
export interface CappedRun {
  records: number;
  delivered: number;
  deadLettered: number;
  limitMin: number;
  limitMax: number;
  refusedShare: number;
  refused: number;
}
export interface JumpRun {
  adaptS: number;
  limitBefore: number;
  limitAfter: number;
  deadLettered: number;
}

/** What scripted-target.ts answers on GET /stats. */
interface TargetStats {
  ok: number;
  refused: number;
  firstAt: number;
  lastAt: number;
  maxInFlight: number;
  seconds: [number, number][];
}

const targetStats = async (port: number) =>
  (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as TargetStats;

async function scriptedTarget(args: string[]) {
  const port = await freePort();
  const target = lib.startProcess([lib.serverScript('scripted-target'), String(port), ...args]);
  await waitForHttp(`http://127.0.0.1:${port}/stats`, 10_000);
  return { port, target };
}

/** The simulator with its default delays and failures; 45 s at most, as the issue measured it. */
export async function slowTarget(brokers: string, run: number): Promise<SlowRun> {
  const records = 3_000;
  const topic = `bench-slow-${run}`;
  fillKeyed(brokers, topic, 15, records, 200);
  const port = await freePort();
  const ingress = lib.startProcess([join(lib.repo, 'dist/apps/ingress/main.js')], {
    KAFKA_BROKERS: brokers,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  });
  await waitForHttp(`http://127.0.0.1:${port}/health/live`);
  const healthPort = await freePort();
  const started = Date.now();
  const forwarder = startForwarder(brokers, topic, `http://127.0.0.1:${port}/webhook-simulator`, `${topic}-g`, [
    '--health-port',
    String(healthPort),
  ]);
  const samples = await watch(healthPort, forwarder, {
    everyMs: 250,
    maxMs: 45_000,
    done: (s) => s.delivered + s.deadLettered >= records,
  });
  await lib.stopProcess(forwarder.child);
  await lib.stopProcess(ingress);
  const last = samples.at(-1)!;
  const done = last.delivered + last.deadLettered;
  const perSec = (done * 1000) / (done >= records ? last.at - started : 45_000);
  console.error(
    `run ${run}, slow target: ${done} done (${last.deadLettered} dead-lettered) at ${perSec.toFixed(1)}/s, limit ${last.limit}`,
  );
  return { perSec, done, deadLettered: last.deadLettered, limit: last.limit };
}

/** 503 beyond 8 in flight, 20 ms otherwise: everything must arrive, nothing dead-lettered. */
export async function cappedTarget(brokers: string, run: number): Promise<CappedRun> {
  const records = 12_000;
  const topic = `bench-capped-${run}`;
  fillKeyed(brokers, topic, 6, records, 200);
  const { port, target } = await scriptedTarget(['capped', '8', '20']);
  const healthPort = await freePort();
  const forwarder = startForwarder(brokers, topic, `http://127.0.0.1:${port}/hook`, `${topic}-g`, [
    '--health-port',
    String(healthPort),
  ]);
  const samples = await watch(healthPort, forwarder, {
    everyMs: 250,
    maxMs: 180_000,
    done: (s) => s.delivered + s.deadLettered >= records,
  });
  const stats = await targetStats(port);
  await lib.stopProcess(forwarder.child);
  await lib.stopProcess(target);
  const last = samples.at(-1)!;
  const settled = samples
    .filter((s) => s.at - stats.firstAt >= 10_000 && s.delivered + s.deadLettered < records)
    .map((s) => s.limit);
  const later = stats.seconds.slice(10);
  const attempts = later.reduce((sum, [ok, refused]) => sum + ok + refused, 0);
  const refusedShare = attempts === 0 ? 0 : later.reduce((sum, [, refused]) => sum + refused, 0) / attempts;
  const result = {
    records,
    delivered: last.delivered,
    deadLettered: last.deadLettered,
    limitMin: Math.min(...settled),
    limitMax: Math.max(...settled),
    refusedShare,
    refused: stats.refused,
  };
  console.error(
    `run ${run}, 503-capped target: delivered ${result.delivered}, dead-lettered ${result.deadLettered}, limit ${result.limitMin}-${result.limitMax} after 10 s, 503s ${(refusedShare * 100).toFixed(2)}% after 10 s (${stats.refused} in all)`,
  );
  return result;
}

/** Latency 5 ms, then 500 ms from 5 s after the first request: how soon the limit settles. */
export async function latencyJump(brokers: string, run: number): Promise<JumpRun> {
  const records = 100_000;
  const jumpAtMs = 5_000;
  const topic = `bench-jump-${run}`;
  fillKeyed(brokers, topic, 6, records, 200);
  const { port, target } = await scriptedTarget(['jump', '5', '500', String(jumpAtMs)]);
  const healthPort = await freePort();
  const forwarder = startForwarder(brokers, topic, `http://127.0.0.1:${port}/hook`, `${topic}-g`, [
    '--health-port',
    String(healthPort),
  ]);
  let firstAt = 0;
  const samples = await watch(healthPort, forwarder, {
    everyMs: 250,
    maxMs: 90_000,
    done: (s) => {
      if (firstAt === 0 && s.delivered > 0) firstAt = s.at;
      return s.delivered + s.deadLettered >= records || (firstAt > 0 && s.at - firstAt > jumpAtMs + 25_000);
    },
  });
  const stats = await targetStats(port);
  await lib.stopProcess(forwarder.child);
  await lib.stopProcess(target);
  const jumpAt = stats.firstAt + jumpAtMs;
  const before = samples.filter((s) => s.at < jumpAt).at(-1)?.limit ?? 0;
  const after = samples.filter((s) => s.at >= jumpAt);
  const end = after.at(-1)!.limit;
  // Settled: from that sample on, the limit stays within a quarter of where it ends.
  let settledAt = after.at(-1)!.at;
  for (let i = after.length - 1; i >= 0 && Math.abs(after[i].limit - end) <= end / 4; i--) settledAt = after[i].at;
  const result = {
    adaptS: (settledAt - jumpAt) / 1000,
    limitBefore: before,
    limitAfter: end,
    deadLettered: samples.at(-1)!.deadLettered,
  };
  console.error(
    `run ${run}, latency jump: limit ${before} -> ${end}, settled ${result.adaptS.toFixed(1)} s after the jump, ${result.deadLettered} dead-lettered`,
  );
  return result;
}
