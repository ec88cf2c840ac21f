import { existsSync, readFileSync, rmSync } from 'node:fs';
import { kafkaScript, type LocalCluster } from './test-kafka';
import { STATE_FILE } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  if (!existsSync(STATE_FILE)) return;
  const cluster = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as LocalCluster & { watchdog?: number };
  rmSync(STATE_FILE, { force: true });
  await kafkaScript(cluster, 'down').catch(() => undefined);
  rmSync(cluster.dir, { recursive: true, force: true });
  if (cluster.watchdog) {
    try {
      process.kill(cluster.watchdog);
    } catch {
      // already gone
    }
  }
}
