// The system under soak: its own Kafka, the built ingress and forwarder (logs to bench-results/),
// watched for deaths, stopped by pid within a grace period.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as lib from '../bench/lib';
import { forwarderCommand } from '../shared/forwarder-command';
import { waitForHttp } from '../shared/system';
import type { Apps, Sample } from './sampling';
import { HEALTH_PORT, INGRESS_PORT, KAFKA_PORT, PARTITIONS, SIMULATOR_QUERY, TOPIC, WORKERS } from './settings';

export const ingressUrl = `http://127.0.0.1:${INGRESS_PORT}`;
export const forwarderUrl = `http://127.0.0.1:${HEALTH_PORT}`;
export const metricsUrl = { ingress: `${ingressUrl}/metrics`, forwarder: `${forwarderUrl}/metrics` };

export interface Death {
  app: keyof Apps;
  code: number | null;
  signal: NodeJS.Signals | null;
  atS: number;
}

/** What the run has seen so far; `wake` ends the wait for the next sample early (an app died). */
export interface Run {
  samples: Sample[];
  deaths: Death[];
  stopping: boolean;
  saved: string | undefined;
  t0?: number;
  wake?: () => void;
}

/** A fresh single-node Kafka in .kafka/soak (or SOAK_KAFKA_BROKERS) with the soak topic. */
export function startSoakKafka(): lib.Cluster {
  console.error(`starting Kafka on 127.0.0.1:${KAFKA_PORT} (.kafka/soak)...`);
  const cluster = lib.startKafka({
    dir: join(lib.repo, '.kafka/soak'),
    port: KAFKA_PORT,
    brokers: process.env.SOAK_KAFKA_BROKERS,
  });
  lib.createTopic(cluster.brokers, TOPIC, PARTITIONS);
  return cluster;
}

export async function startApps(brokers: string, logPrefix: string, nodeFlags: string[]): Promise<Apps> {
  const ingress = lib.startProcess(
    [...nodeFlags, join(lib.repo, 'dist/apps/ingress/main.js')],
    {
      KAFKA_BROKERS: brokers,
      PORT: String(INGRESS_PORT),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      // Short enough that the idempotency store reaches its steady size during the warm-up.
      INGRESS_IDEMPOTENCY_TTL_MS: '60000',
    },
    { logFile: `${logPrefix}-ingress.log` },
  );
  await waitForHttp(`${ingressUrl}/health/ready`);
  const forwarder = lib.startProcess(
    [
      ...nodeFlags,
      ...forwarderCommand({
        topic: TOPIC,
        'target-url': `${ingressUrl}/webhook-simulator?${SIMULATOR_QUERY}`,
        brokers,
        group: `soak-${Date.now()}`,
        workers: WORKERS,
        'health-port': HEALTH_PORT,
        'stats-interval': 60,
      }),
    ],
    { LOG_LEVEL: 'log' },
    { logFile: `${logPrefix}-forwarder.log` },
  );
  await waitForHttp(`${forwarderUrl}/health`);
  return { ingress, forwarder };
}

/** Records an app that exits before the run stops it, and wakes the sampling loop. */
export function watchDeaths(apps: Apps, run: Run): void {
  for (const [name, child] of Object.entries(apps) as [keyof Apps, ChildProcess][]) {
    child.once('exit', (code, signal) => {
      if (run.stopping) return;
      run.deaths.push({
        app: name,
        code,
        signal,
        atS: run.t0 ? Math.round((performance.now() - run.t0) / 1000) : 0,
      });
      console.error(`!! ${name} (pid ${child.pid}) exited: code ${code}, signal ${signal}`);
      run.wake?.();
    });
  }
}

/** SIGTERM, SIGKILL after `timeoutMs`; the exit code, or the signal that ended it. */
export function stopWithin(child: ChildProcess, timeoutMs: number): Promise<number | NodeJS.Signals | null> {
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return lib.stopProcess(child).then((code) => {
    clearTimeout(timer);
    return code ?? child.signalCode;
  });
}
