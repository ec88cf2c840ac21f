import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKA_SCRIPT, newClusterSpec, REPO, startCluster, TEST_KAFKA_BASE_PORT } from './test-kafka';

/** Not the developer's 9092: a test run must never touch a cluster it did not start. */
const TEST_KAFKA_PORT = TEST_KAFKA_BASE_PORT;
/** Per port, so two runs on one machine (GATEWAY_TEST_KAFKA_PORT) never stop each other's cluster. */
export const STATE_FILE = join(REPO, `.tmp/test-kafka-${TEST_KAFKA_PORT}.json`);

/**
 * Starts a throwaway single-node Kafka for the run unless KAFKA_BROKERS points at one. A watchdog
 * stops it if jest dies without running the teardown (Ctrl+C, crash), so nothing is left behind.
 */
export default async function globalSetup(
  _globalConfig: unknown,
  projectConfig?: { displayName?: { name?: string } },
): Promise<void> {
  for (const app of ['ingress', 'forwarder']) {
    if (!existsSync(join(REPO, `dist/apps/${app}/main.js`)))
      throw new Error(`dist/apps/${app}/main.js is missing: run "npm run build" (npm test does).`);
  }
  if (process.env.KAFKA_BROKERS) {
    process.env.TEST_KAFKA_EXTERNAL = 'true';
    return;
  }
  // The faults suite kills and restarts brokers: it gets the production shape, 3 nodes,
  // replication factor 3 and min.insync.replicas 2.
  const nodes = projectConfig?.displayName?.name === 'faults' ? 3 : 1;
  const spec = newClusterSpec(TEST_KAFKA_PORT, nodes);
  const started = Date.now();
  const cluster = await startCluster(spec);
  const watchdog = spawn(
    'bash',
    [
      '-c',
      'while kill -0 "$1" 2>/dev/null; do sleep 2; done; bash "$2" down >/dev/null 2>&1; rm -rf "$3"',
      'watchdog',
      String(process.pid),
      KAFKA_SCRIPT,
      spec.dir,
    ],
    { detached: true, stdio: 'ignore', env: { ...process.env, KAFKA_DIR: spec.dir, KAFKA_PORT: String(spec.port) } },
  );
  watchdog.unref();
  process.env.KAFKA_BROKERS = cluster.brokers;
  process.env.TEST_KAFKA_DIR = spec.dir;
  process.env.TEST_KAFKA_PORT = String(spec.port);
  process.env.TEST_KAFKA_NODES = String(nodes);
  mkdirSync(join(REPO, '.tmp'), { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify({ ...cluster, watchdog: watchdog.pid }));
  console.log(
    `\nStarted a throwaway ${nodes}-node Kafka at ${cluster.brokers} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
