// The drain rows of bench:forwarder: a topic of keyed records delivered into a sink that answers
// 200 at once, and Kafka's own consumer perf test over the same topic as the Kafka ceiling.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cpuSeconds } from '../../shared/system';
import * as lib from '../lib';
import { startForwarder, tracked, type ForwarderProcess } from './forwarder-process';
import { RECORDS, TOPIC } from './settings';

export interface Drain {
  perSec: number;
  cpuUs: number;
  peakRssMb: number;
  delivered: number;
}

interface SinkStats {
  count: number;
  firstAt: number;
  lastAt: number;
}

const sinkStats = async (url: string) => (await (await fetch(url)).json()) as SinkStats;

/**
 * Drains the topic into the sink; CPU is read from the first delivery to the last. `expected`:
 * the deliveries that make the drain (fewer than the records with a --filter).
 */
export async function drain(
  brokers: string,
  sinkPort: number,
  flags: string[],
  group: string,
  expected = RECORDS,
): Promise<Drain> {
  await resetSink(sinkPort);
  const forwarder = startForwarder(brokers, TOPIC, `http://127.0.0.1:${sinkPort}/hook`, group, [
    '--idle-exit',
    '2s',
    ...flags,
  ]);
  return measure(forwarder, sinkPort, expected);
}

/**
 * The floor's drain (forwarder-floor.ts): kafkajs, the envelope and undici, `perRequest` records to
 * a request, measured as a forwarder's drain is.
 */
export async function floorDrain(brokers: string, sinkPort: number, perRequest: number, group: string): Promise<Drain> {
  await resetSink(sinkPort);
  const args = [TOPIC, group, `http://127.0.0.1:${sinkPort}/hook`, String(perRequest)];
  const child = lib.startProcess(
    [...lib.gatewayNodeFlags, '--require', 'tsx/cjs', FLOOR, brokers, ...args],
    {},
    { capture: true },
  );
  // It runs until stopped, so that its CPU can be read at the last delivery.
  return measure(tracked(child), sinkPort, RECORDS, () => lib.stopProcess(child));
}

const FLOOR = join(__dirname, '../forwarder-floor.ts');

async function resetSink(sinkPort: number): Promise<void> {
  await fetch(`http://127.0.0.1:${sinkPort}/stats`, { method: 'DELETE' });
}

/**
 * Deliveries per second at the sink, and the process's CPU from the sink's first record to its
 * last; then `stop`, or waits for the process to exit on its own (--idle-exit).
 */
async function measure(
  running: ForwarderProcess,
  sinkPort: number,
  expected: number,
  stop?: () => Promise<unknown>,
): Promise<Drain> {
  const stats = `http://127.0.0.1:${sinkPort}/stats`;
  const pid = running.child.pid!;
  let cpuAtFirst: number | undefined;
  let cpuAtLast: number;
  let countAtFirst = 0;
  for (;;) {
    const { count } = await sinkStats(stats);
    if (cpuAtFirst === undefined && count > 0) {
      cpuAtFirst = cpuSeconds(pid);
      countAtFirst = count;
    }
    if (count >= expected) {
      cpuAtLast = cpuSeconds(pid);
      break;
    }
    if (running.child.exitCode !== null) throw new Error(`it exited before draining:\n${running.output()}`);
    await lib.sleep(50);
  }
  await (stop ? stop() : running.exited);
  const { count, firstAt, lastAt } = await sinkStats(stats);
  return {
    perSec: (count * 1000) / Math.max(1, lastAt - firstAt),
    cpuUs: ((cpuAtLast - cpuAtFirst!) * 1e6) / Math.max(1, count - countAtFirst),
    peakRssMb: running.peakRssMb(),
    delivered: count,
  };
}

export interface ConsumerPerf {
  mbPerSec: number;
  recordsPerSec: number;
  line: string;
}

export function kafkaConsumerPerf(brokers: string): ConsumerPerf {
  const out = lib.kafkaTool('kafka-consumer-perf-test', [
    '--bootstrap-server',
    brokers,
    '--topic',
    TOPIC,
    '--messages',
    String(RECORDS),
    '--group',
    `perf-${Date.now()}`,
  ]);
  const line = (out.trim().split('\n').at(-1) ?? '').split(',').map((s) => s.trim());
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ...
  return { mbPerSec: Number(line[3]), recordsPerSec: Number(line[5]), line: line.join(', ') };
}

/** Fills a topic with keyed records through kcat (keys spread at random over 1 000). */
export function fillKeyed(brokers: string, topic: string, partitions: number, records: number, valueBytes: number) {
  lib.createTopic(brokers, topic, partitions);
  const lines = Array.from(
    { length: records },
    (_, i) => `k${(i * 7919) % 1000}:${JSON.stringify({ i, data: 'x'.repeat(valueBytes) })}`,
  ).join('\n');
  const result = spawnSync('kcat', ['-b', brokers, '-P', '-t', topic, '-K:'], {
    input: lines,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`kcat could not fill ${topic}: ${result.stderr.toString()}`);
}
