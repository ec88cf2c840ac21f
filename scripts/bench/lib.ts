// Shared pieces of the benchmark scripts: a Kafka of their own, child processes, autocannon,
// medians. Benchmarks measure ratios against ceilings taken in the same run.
import { spawn, spawnSync, execFileSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

export const repo = join(__dirname, '../..');
const kafkaScript = join(repo, 'scripts/kafka/kafka.sh');
const BENCH_KAFKA = { KAFKA_DIR: join(repo, '.kafka/bench'), KAFKA_PORT: '29092', KAFKA_NODES: '1', KAFKA_HEAP: '1g' };

const children = new Set<ChildProcess>();

function kafkaWith(settings: Record<string, string>, ...args: string[]): string {
  return execFileSync('bash', [kafkaScript, ...args], {
    cwd: repo,
    env: { ...process.env, ...settings },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

export interface Cluster {
  brokers: string;
  stop(): void;
}

/**
 * A fresh single-node cluster for the run, unless `brokers` (by default KAFKA_BROKERS) names one.
 * `dir` and `port` move it off the benchmarks' folder and port, so two runners can share a machine.
 */
export function startKafka({
  dir,
  port,
  brokers: external = process.env.KAFKA_BROKERS,
}: { dir?: string; port?: number | string; brokers?: string } = {}): Cluster {
  if (external) return { brokers: external, stop() {} };
  const settings = { ...BENCH_KAFKA, ...(dir && { KAFKA_DIR: dir }), ...(port && { KAFKA_PORT: String(port) }) };
  kafkaWith(settings, 'reset');
  const out = kafkaWith(settings, 'up');
  const brokers = /KAFKA_BROKERS=(\S+)/.exec(out)?.[1];
  if (!brokers) throw new Error(`kafka.sh up printed no bootstrap list: ${out}`);
  return { brokers, stop: () => void kafkaWith(settings, 'reset') };
}

/** Kafka's own command-line tools, from the same artifacts. */
export function kafkaTool(name: string, args: string[]): string {
  return kafkaWith(BENCH_KAFKA, 'tool', name, ...args);
}

export function createTopic(brokers: string, topic: string, partitions: number): void {
  kafkaTool('kafka-topics', [
    '--bootstrap-server',
    brokers,
    '--create',
    '--if-not-exists',
    '--topic',
    topic,
    '--partitions',
    String(partitions),
  ]);
}

/**
 * A bench server (bare-server, nest-floor, sink-server, scripted-target) as plain JavaScript in dist/bench:
 * the process being measured runs no TypeScript loader (tsx adds ~4-9 MB of peak RSS to it).
 */
export function serverScript(name: string): string {
  const source = join(__dirname, `${name}.ts`);
  const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
    fileName: source,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
    },
  });
  const out = join(repo, 'dist/bench', `${name}.js`);
  mkdirSync(join(repo, 'dist/bench'), { recursive: true });
  writeFileSync(out, outputText);
  return out;
}

/** A node child process, killed on exit; `logFile` takes its stdout and stderr instead of `capture`. */
/**
 * Node options for the gateway processes measured (not the servers they are compared with), from
 * BENCH_NODE_FLAGS: e.g. "--heap-growing-percent=100 --max-semi-space-size=8" to measure what a
 * smaller heap costs in CPU.
 */
export const gatewayNodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);

/** How the report names the gateway's Node options, when there are any. */
export function nodeFlagsNote(): string {
  return gatewayNodeFlags.length > 0 ? `; gateway run with node ${gatewayNodeFlags.join(' ')}` : '';
}

export function startProcess(
  args: string[],
  env: Record<string, string> = {},
  { capture = false, logFile }: { capture?: boolean; logFile?: string } = {},
): ChildProcess {
  const fd = logFile === undefined ? undefined : openSync(logFile, 'a');
  const stdio: StdioOptions =
    fd === undefined ? ['ignore', capture ? 'pipe' : 'ignore', capture ? 'pipe' : 'inherit'] : ['ignore', fd, fd];
  const child = spawn(process.execPath, args, { cwd: repo, env: { ...process.env, NO_COLOR: '1', ...env }, stdio });
  if (fd !== undefined) closeSync(fd);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

export interface AutocannonResult {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  total: number;
  non2xx: number;
  errors: number;
}

/** The fields of autocannon's --json output that the benchmarks read. */
interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** Runs autocannon in its own process and returns its JSON result. */
export function autocannon({
  url,
  body,
  connections,
  durationS,
  headers = { 'content-type': 'application/json' },
  rate,
  idReplacement = false,
}: {
  url: string;
  body: string;
  connections: number;
  durationS: number;
  headers?: Record<string, string>;
  /** Requests per second over all connections; unset: as fast as the server answers. */
  rate?: number;
  /** Replaces `[<id>]` in the request (headers included) with a fresh id on every request. */
  idReplacement?: boolean;
}): AutocannonResult {
  const args = [
    join(repo, 'node_modules/autocannon/autocannon.js'),
    '--json',
    '-c',
    String(connections),
    '-d',
    String(durationS),
    '-m',
    'POST',
    '-b',
    body,
  ];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
  args.push(url);
  // The command line reads `[...]` as a sub-argument, so a `[<id>]` header goes through the API.
  const options = {
    url,
    method: 'POST',
    body,
    headers,
    connections,
    duration: durationS,
    overallRate: rate,
    idReplacement,
  };
  const api = `require(${JSON.stringify(join(repo, 'node_modules/autocannon'))})(${JSON.stringify(options)}, (e, r) => { if (e) throw e; process.stdout.write(JSON.stringify(r)); })`;
  const result = spawnSync(process.execPath, rate !== undefined || idReplacement ? ['-e', api] : args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`autocannon failed: ${result.stderr}`);
  const json = JSON.parse(result.stdout) as AutocannonJson;
  return {
    rps: json.requests.average,
    p50: json.latency.p50,
    p99: json.latency.p99,
    ok: json['2xx'],
    total: json.requests.total,
    non2xx: json.non2xx,
    errors: json.errors + json.timeouts,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function medianOf<K extends string>(runs: Record<K, number>[], key: K): number {
  return median(runs.map((r) => r[key]));
}

export function saveResult(name: string, result: unknown): string {
  const dir = join(repo, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

export function cleanupOnExit(cleanup: () => void): void {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    for (const child of children) child.kill('SIGKILL');
    try {
      cleanup();
    } catch {
      // best effort
    }
  };
  process.on('exit', run);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      run();
      process.exit(130);
    });
  }
}

export const fmt = (n: number | undefined, digits = 0): string =>
  n === undefined || Number.isNaN(n) ? '-' : Number(n).toFixed(digits);

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
