// `npm start`: build, start a local Kafka (unless KAFKA_BROKERS points elsewhere), the ingress on
// :6969 and a forwarder from the demo topic to the ingress's webhook simulator. Ctrl+C stops
// everything this script started, in the order that loses nothing. `--no-build` skips the build.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import readline from 'node:readline';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { forwarderCommand } from './shared/forwarder-command';
import { waitForHttp } from './shared/system';
import { checkPrerequisites } from './check-prerequisites';

const repo = join(__dirname, '..');
const kafkaScript = join(repo, 'scripts/kafka/kafka.sh');
const PORT = Number(process.env.PORT || 6969);
const FORWARDER_HEALTH_PORT = Number(process.env.FORWARDER_HEALTH_PORT || 6970);
const DEMO_TOPIC = process.env.DEMO_TOPIC || 'demo';
const BUILD = !process.argv.includes('--no-build');
/** A terminal (or npm) may deliver one Ctrl+C more than once: within this window it is the same stop. */
const SAME_STOP_MS = 2_000;

interface Child {
  name: string;
  child: ChildProcess;
}

const children: Child[] = [];
let startedKafka = false;
let stopping = false;
let firstSignalAt = 0;

const COLOR = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const paint = (code: number, text: string) => (COLOR ? `\x1b[${code}m${text}\x1b[0m` : text);

function log(message: string): void {
  console.log(`${paint(1, '[start]')} ${message}`);
}

function runOrExit(command: string, args: string[], what: string): void {
  const result = spawnSync(command, args, { cwd: repo, stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    console.error(`[start] ${what} failed (exit ${result.status ?? result.signal}).`);
    process.exit(1);
  }
}

function kafkaRunning(): boolean {
  const result = spawnSync('bash', [kafkaScript, 'status'], { cwd: repo, encoding: 'utf8' });
  return result.status === 0 && /running/.test(result.stdout);
}

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

function startChild(name: string, args: string[], env: Record<string, string>): ChildProcess {
  // Readable lines when this script talks to a terminal (the children only see pipes).
  const logFormat = process.env.LOG_FORMAT || (process.stdout.isTTY ? 'pretty' : 'json');
  // detached: a process group of its own, so a terminal's Ctrl+C reaches this script alone and the
  // children get exactly one signal each, in the order that loses nothing (see shutdown).
  const child = spawn(process.execPath, args, {
    cwd: repo,
    env: { ...process.env, LOG_FORMAT: logFormat, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => console.log(`${paint(36, `[${name}]`)} ${line}`));
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[start] ${name} exited unexpectedly (${code ?? signal}); stopping the rest.`);
      void shutdown(1);
    }
  });
  children.push({ name, child });
  return child;
}

function saslFromEnv(): SASLOptions | undefined {
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = process.env;
  // The ingress and forwarder validate these; the demo topic only needs to reach the same cluster.
  return mechanism ? ({ mechanism, username, password } as SASLOptions) : undefined;
}

async function ensureDemoTopic(brokers: string): Promise<void> {
  const admin = new Kafka({
    clientId: 'gateway-start',
    brokers: brokers.split(','),
    ssl: process.env.KAFKA_SSL === 'true',
    sasl: saslFromEnv(),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    if (await admin.createTopics({ topics: [{ topic: DEMO_TOPIC, numPartitions: 6 }], waitForLeaders: true }))
      log(`Created topic "${DEMO_TOPIC}" (6 partitions)`);
  } finally {
    await admin.disconnect();
  }
}

function stopChild({ name, child }: Child): Promise<void> {
  return new Promise((resolve) => {
    if (!alive(child)) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    log(`stopping ${name}...`);
    child.kill('SIGTERM');
  });
}

function exitCodeOf(child: ChildProcess): number {
  return child.exitCode ?? (child.signalCode ? 128 : 0);
}

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Forwarder first (it finishes its deliveries to the simulator and commits), then the ingress
  // (it flushes), then Kafka.
  for (const entry of [...children].reverse()) {
    await stopChild(entry);
    log(`${entry.name} stopped (exit ${entry.child.exitCode ?? entry.child.signalCode})`);
  }
  if (startedKafka) {
    log('stopping the local Kafka...');
    spawnSync('bash', [kafkaScript, 'down'], { cwd: repo, stdio: 'inherit' });
  }
  process.exit(code || (children.some(({ child }) => exitCodeOf(child) !== 0) ? 1 : 0));
}

function onSignal(signal: NodeJS.Signals): void {
  const now = Date.now();
  if (!firstSignalAt) {
    firstSignalAt = now;
    return void shutdown(0);
  }
  if (now - firstSignalAt < SAME_STOP_MS) return;
  // A second Ctrl+C a person presses later: stop at once. Whatever was not committed is
  // delivered again on the next start (at least once).
  log(`${signal} again: killing what is left`);
  for (const { child } of children) if (alive(child)) child.kill('SIGKILL');
}

function trapSignals(): void {
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed terminal (or a killed pty) hangs up: the same clean stop, or the children outlive it.
  process.on('SIGHUP', onSignal);
  // The children have process groups of their own: never leave them behind.
  process.on('exit', () => {
    for (const { child } of children) if (alive(child)) child.kill('SIGKILL');
  });
}

/** The brokers of KAFKA_BROKERS, or of the local Kafka this script starts (or finds running). */
function kafkaBrokers(): string {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS;
  startedKafka = !kafkaRunning();
  log(
    startedKafka
      ? 'starting a local Kafka (KRaft) from Maven Central artifacts...'
      : 'using the local Kafka that is already running',
  );
  runOrExit('bash', [kafkaScript, 'up'], 'starting Kafka');
  return spawnSync('bash', [kafkaScript, 'bootstrap'], { cwd: repo, encoding: 'utf8' }).stdout.trim();
}

function startForwarder(brokers: string): void {
  startChild(
    'forwarder',
    forwarderCommand({
      topic: DEMO_TOPIC,
      'target-url': `http://127.0.0.1:${PORT}/webhook-simulator`,
      group: 'demo-forwarder',
      'health-port': FORWARDER_HEALTH_PORT,
    }),
    { KAFKA_BROKERS: brokers },
  );
}

function printBanner(brokers: string): void {
  const base = `http://127.0.0.1:${PORT}`;
  console.log(`
  Kafka HTTP gateway is running (Kafka at ${brokers}).

    Ingress           ${base}            POST /produce, POST /produce/batch
    Ingress health    ${base}/health
    Webhook simulator ${base}/webhook-simulator/stats
    Forwarder health  http://127.0.0.1:${FORWARDER_HEALTH_PORT}/health   (${DEMO_TOPIC} -> simulator, dead letters in ${DEMO_TOPIC}.dlq)

  Try:
    curl -s ${base}/produce -H 'content-type: application/json' \\
      -d '{"topic":"${DEMO_TOPIC}","key":"order-1","payload":{"hello":"world"}}'

  Ctrl+C stops everything this command started.
`);
}

async function main(): Promise<void> {
  trapSignals();
  // It says in one line what is missing and how to install it.
  if (checkPrerequisites('start') !== 0) process.exit(1);
  if (BUILD) {
    log('building...');
    runOrExit('npm', ['run', '-s', 'build'], 'the build');
  }
  const brokers = kafkaBrokers();
  await ensureDemoTopic(brokers);

  startChild('ingress', ['dist/apps/ingress/main.js'], { KAFKA_BROKERS: brokers, PORT: String(PORT) });
  if (
    !(await waitForHttp(`http://127.0.0.1:${PORT}/health/ready`, 60_000).then(
      () => true,
      () => false,
    ))
  ) {
    console.error('[start] the ingress did not become ready within 60 s.');
    return shutdown(1);
  }
  startForwarder(brokers);
  printBanner(brokers);
}

main().catch((error: unknown) => {
  console.error(`[start] ${error instanceof Error ? error.stack : String(error)}`);
  void shutdown(1);
});
