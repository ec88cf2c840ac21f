import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../setup/test-kafka';
import { freePort } from '../../scripts/shared/system';

export interface AppProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Sends the signal and resolves with the exit code; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

const running = new Set<ChildProcess>();

/** Kills (by pid) every process a test file started and left running. Call in afterAll. */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  running.clear();
}

export { freePort };

/** Runs a built app (`dist/apps/<name>/main.js`) as a user would, with its own environment. */
export function spawnApp(
  name: 'ingress' | 'forwarder',
  args: string[],
  env: Record<string, string>,
): Omit<AppProcess, 'url' | 'port'> {
  const child = spawn(process.execPath, [join(REPO, `dist/apps/${name}/main.js`), ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return {
    child,
    output: () => output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Polls until the condition holds or the timeout passes. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`,
  );
}

/**
 * Starts the ingress on a free port and resolves once it is ready (Kafka reachable, producer
 * connected), or only live with `{ ready: false }` (for tests of an unreachable Kafka).
 */
export async function startIngress(
  env: Record<string, string> = {},
  { ready = !/127\.0\.0\.1:1$/.test(env.KAFKA_BROKERS ?? '') } = {},
): Promise<AppProcess> {
  const port = await freePort();
  const app = spawnApp('ingress', [], { HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env });
  const url = `http://127.0.0.1:${port}`;
  const probe = ready ? '/health/ready' : '/health/live';
  await Promise.race([
    waitFor(`the ingress to answer ${probe}`, async () => (await fetch(`${url}${probe}`)).ok, 30_000),
    app.exited.then((code) => {
      throw new Error(`the ingress exited with ${code} during startup:\n${app.output()}`);
    }),
  ]);
  return { ...app, url, port };
}

/** Runs the built forwarder with the given flags; its exit and output are observable. */
export function startForwarder(args: string[], env: Record<string, string> = {}) {
  return spawnApp('forwarder', ['forward', ...args], { LOG_LEVEL: 'log', ...env });
}
