#!/usr/bin/env node
// `npm start`: build, start a local Kafka (unless KAFKA_BROKERS points elsewhere), the ingress on
// :6969 and a forwarder from the demo topic to the ingress's webhook simulator. Ctrl+C stops
// everything this script started, in the order that loses nothing.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const { join } = require('node:path');
const readline = require('node:readline');
const { waitForHttp } = require('./bench/lib');

const repo = join(__dirname, '..');
const kafkaScript = join(repo, 'scripts/kafka/kafka.sh');
const PORT = Number(process.env.PORT || 6969);
const FORWARDER_HEALTH_PORT = Number(process.env.FORWARDER_HEALTH_PORT || 6970);
const DEMO_TOPIC = process.env.DEMO_TOPIC || 'demo';

const children = [];
let startedKafka = false;
let stopping = false;

function log(message) {
  console.log(`\x1b[1m[start]\x1b[0m ${message}`);
}

function runOrExit(command, args, what) {
  const result = spawnSync(command, args, { cwd: repo, stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    console.error(`[start] ${what} failed (exit ${result.status ?? result.signal}).`);
    process.exit(1);
  }
}

function kafkaRunning() {
  const result = spawnSync('bash', [kafkaScript, 'status'], { cwd: repo, encoding: 'utf8' });
  return result.status === 0 && /running/.test(result.stdout);
}

function startChild(name, args, env) {
  const child = spawn(process.execPath, args, { cwd: repo, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => console.log(`\x1b[36m[${name}]\x1b[0m ${line}`));
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

async function ensureDemoTopic(brokers) {
  const { Kafka, logLevel } = require('kafkajs');
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = process.env;
  const admin = new Kafka({
    clientId: 'gateway-start',
    brokers: brokers.split(','),
    ssl: process.env.KAFKA_SSL === 'true',
    sasl: mechanism ? { mechanism, username, password } : undefined,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    if (await admin.createTopics({ topics: [{ topic: DEMO_TOPIC, numPartitions: 6 }], waitForLeaders: true })) log(`Created topic "${DEMO_TOPIC}" (6 partitions)`);
  } finally {
    await admin.disconnect();
  }
}

function stopChild({ name, child }) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    log(`stopping ${name}...`);
    child.kill('SIGTERM');
  });
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  // Forwarder first (it commits what it delivered), then the ingress (it flushes), then Kafka.
  for (const entry of [...children].reverse()) await stopChild(entry);
  if (startedKafka) {
    log('stopping the local Kafka...');
    spawnSync('bash', [kafkaScript, 'down'], { cwd: repo, stdio: 'inherit' });
  }
  process.exit(code);
}

async function main() {
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  log('building...');
  runOrExit('npm', ['run', '-s', 'build'], 'the build');

  let brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    startedKafka = !kafkaRunning();
    log(startedKafka ? 'starting a local Kafka (KRaft) from Maven Central artifacts...' : 'using the local Kafka that is already running');
    runOrExit('bash', [kafkaScript, 'up'], 'starting Kafka');
    brokers = spawnSync('bash', [kafkaScript, 'bootstrap'], { cwd: repo, encoding: 'utf8' }).stdout.trim();
  }
  await ensureDemoTopic(brokers);

  startChild('ingress', ['dist/apps/ingress/main.js'], { KAFKA_BROKERS: brokers, PORT: String(PORT) });
  if (!(await waitForHttp(`http://127.0.0.1:${PORT}/health/ready`, 60_000).then(() => true, () => false))) {
    console.error('[start] the ingress did not become ready within 60 s.');
    return shutdown(1);
  }
  startChild('forwarder', [
    'dist/apps/forwarder/main.js', 'forward',
    '--topic', DEMO_TOPIC,
    '--target-url', `http://127.0.0.1:${PORT}/webhook-simulator`,
    '--group', 'demo-forwarder',
    '--health-port', String(FORWARDER_HEALTH_PORT),
  ], { KAFKA_BROKERS: brokers });

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

main().catch((error) => {
  console.error(`[start] ${error.stack || error}`);
  void shutdown(1);
});
