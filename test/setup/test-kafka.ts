import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO = resolve(__dirname, '../..');
export const KAFKA_SCRIPT = join(REPO, 'scripts/kafka/kafka.sh');

/** A local cluster owned by a test run: its own folder and ports, never the developer's. */
export interface LocalCluster {
  dir: string;
  port: number;
  nodes: 1 | 3;
  brokers: string;
  /** A SASL_PLAINTEXT (SCRAM-SHA-512) listener beside PLAINTEXT, on port + 200 (user gateway / gateway-secret). */
  sasl?: boolean;
}

/**
 * The run's base port (GATEWAY_TEST_KAFKA_PORT, 19092): extra clusters sit at fixed offsets from it, so two
 * runs on one machine never share a port. Below Linux's ephemeral range (32768-60999): a port there can be
 * held by any outgoing connection, or its TIME-WAIT, and Kafka then fails to bind.
 */
export const TEST_KAFKA_BASE_PORT = Number(process.env.GATEWAY_TEST_KAFKA_PORT ?? 19092);

export function newClusterSpec(port: number, nodes: 1 | 3 = 1, sasl = false): Omit<LocalCluster, 'brokers'> {
  return { dir: mkdtempSync(join(tmpdir(), 'gateway-kafka-')), port, nodes, sasl };
}

export async function kafkaScript(cluster: Omit<LocalCluster, 'brokers'>, ...args: string[]): Promise<string> {
  const { stdout } = await run('bash', [KAFKA_SCRIPT, ...args], {
    env: {
      ...process.env,
      KAFKA_DIR: cluster.dir,
      KAFKA_PORT: String(cluster.port),
      KAFKA_NODES: String(cluster.nodes),
      KAFKA_HEAP: process.env.KAFKA_HEAP ?? '384m',
      KAFKA_SASL: cluster.sasl ? 'true' : 'false',
    },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

export async function startCluster(spec: Omit<LocalCluster, 'brokers'>): Promise<LocalCluster> {
  const out = await kafkaScript(spec, 'up');
  const brokers = /KAFKA_BROKERS=(\S+)/.exec(out)?.[1];
  if (!brokers) throw new Error(`kafka.sh up printed no bootstrap list: ${out}`);
  return { ...spec, brokers };
}

/** The cluster the global setup started for this run (its folder and ports), to stop and start nodes. */
export function runCluster(): LocalCluster {
  const { TEST_KAFKA_DIR: dir, TEST_KAFKA_PORT: port, TEST_KAFKA_NODES: nodes, KAFKA_BROKERS: brokers } = process.env;
  if (!dir || !port || !brokers)
    throw new Error('this test needs the Kafka the global setup starts (leave KAFKA_BROKERS unset)');
  return { dir, port: Number(port), nodes: Number(nodes ?? 1) as 1 | 3, brokers };
}
