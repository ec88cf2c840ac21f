// The built forwarder as a child process, its peak RSS sampled, its /metrics polled.
import type { ChildProcess } from 'node:child_process';
import { forwarderCommand } from '../../shared/forwarder-command';
import { sample } from '../../shared/metrics';
import { peakRssMb } from '../../shared/system';
import * as lib from '../lib';

export interface ForwarderProcess {
  child: ChildProcess;
  exited: Promise<unknown>;
  output(): string;
  peakRssMb(): number;
}

export function startForwarder(
  brokers: string,
  topic: string,
  url: string,
  group: string,
  flags: string[],
  env: Record<string, string> = {},
): ForwarderProcess {
  const child = lib.startProcess(
    [
      ...lib.gatewayNodeFlags,
      ...forwarderCommand({ topic, 'target-url': url, brokers, group, 'stats-interval': 5 }),
      ...flags,
    ],
    { LOG_LEVEL: 'log', ...env },
    { capture: true },
  );
  return tracked(child);
}

/** A measured child process started with `capture`: its output kept, its peak RSS sampled. */
export function tracked(child: ChildProcess): ForwarderProcess {
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, peakRssMb(child.pid!));
    } catch {
      // exited
    }
  }, 200);
  const exited = new Promise((resolve) => child.once('exit', resolve)).finally(() => clearInterval(sampler));
  return { child, exited, output: () => output, peakRssMb: () => peak };
}

export interface ForwarderSample {
  at: number;
  delivered: number;
  deadLettered: number;
  limit: number;
}

/** The forwarder's own counters from its /metrics. */
async function forwarderMetrics(port: number): Promise<Omit<ForwarderSample, 'at'>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return {
    delivered: sample(text, 'kafka_gateway_forwarder_deliveries_total', { outcome: 'delivered' }) ?? 0,
    deadLettered: sample(text, 'kafka_gateway_forwarder_deliveries_total', { outcome: 'dead_lettered' }) ?? 0,
    limit: sample(text, 'kafka_gateway_forwarder_concurrency_limit') ?? 0,
  };
}

/** Polls the forwarder's metrics until `done(sample)` or the time is up; returns the samples. */
export async function watch(
  port: number,
  forwarder: ForwarderProcess,
  { everyMs, maxMs, done }: { everyMs: number; maxMs: number; done: (sample: ForwarderSample) => boolean },
): Promise<ForwarderSample[]> {
  const samples: ForwarderSample[] = [];
  const started = Date.now();
  while (Date.now() - started < maxMs && forwarder.child.exitCode === null) {
    try {
      const sample = { at: Date.now(), ...(await forwarderMetrics(port)) };
      samples.push(sample);
      if (done(sample)) break;
    } catch {
      // not listening yet
    }
    await lib.sleep(everyMs);
  }
  return samples;
}
