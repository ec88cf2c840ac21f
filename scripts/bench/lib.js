'use strict';
// Shared pieces of the benchmark scripts: a Kafka of their own, child processes, autocannon,
// peak RSS from /proc, medians. Benchmarks measure ratios against ceilings taken in the same run.

const { spawn, spawnSync, execFileSync } = require('node:child_process');
const { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } = require('node:fs');
const { connect } = require('node:net');
const { join } = require('node:path');
const { freePort, peakRssMb, rssMb } = require('../../test/support/system');

const repo = join(__dirname, '../..');
const kafkaScript = join(repo, 'scripts/kafka/kafka.sh');
const BENCH_KAFKA = { KAFKA_DIR: join(repo, '.kafka/bench'), KAFKA_PORT: '29092', KAFKA_NODES: '1', KAFKA_HEAP: '1g' };

const children = new Set();

function kafkaWith(settings, ...args) {
  return execFileSync('bash', [kafkaScript, ...args], { cwd: repo, env: { ...process.env, ...settings }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

function kafka(...args) {
  return kafkaWith(BENCH_KAFKA, ...args);
}

/**
 * A fresh single-node cluster for the run, unless `brokers` (by default KAFKA_BROKERS) names one.
 * `dir` and `port` move it off the benchmarks' folder and port, so two runners can share a machine.
 */
function startKafka({ dir, port, brokers: external = process.env.KAFKA_BROKERS } = {}) {
  if (external) return { brokers: external, stop() {} };
  const settings = { ...BENCH_KAFKA, ...(dir && { KAFKA_DIR: dir }), ...(port && { KAFKA_PORT: String(port) }) };
  kafkaWith(settings, 'reset');
  const out = kafkaWith(settings, 'up');
  const brokers = /KAFKA_BROKERS=(\S+)/.exec(out)[1];
  return { brokers, stop: () => kafkaWith(settings, 'reset') };
}

/** Kafka's own command-line tools, from the same artifacts. */
function kafkaTool(name, args) {
  return kafka('tool', name, ...args);
}

function createTopic(brokers, topic, partitions) {
  kafkaTool('kafka-topics', ['--bootstrap-server', brokers, '--create', '--if-not-exists', '--topic', topic, '--partitions', String(partitions)]);
}

/** A node child process, killed on exit; `logFile` takes its stdout and stderr instead of `capture`. */
function startProcess(args, env = {}, { capture = false, logFile } = {}) {
  const fd = logFile === undefined ? undefined : openSync(logFile, 'a');
  const stdio = fd === undefined ? ['ignore', capture ? 'pipe' : 'ignore', capture ? 'pipe' : 'inherit'] : ['ignore', fd, fd];
  const child = spawn(process.execPath, args, { cwd: repo, env: { ...process.env, NO_COLOR: '1', ...env }, stdio });
  if (fd !== undefined) closeSync(fd);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function stopProcess(child, signal = 'SIGTERM') {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

const CLOCK_TICKS_PER_S = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds (user + system) the process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
}

async function waitForHttp(url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/** Resolves once something accepts TCP connections on the port (for servers without a GET route). */
async function waitForPort(port, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(() => resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
}

/** Runs autocannon in its own process and returns its JSON result. */
function autocannon({ url, body, connections, durationS, headers = { 'content-type': 'application/json' } }) {
  const args = [join(repo, 'node_modules/autocannon/autocannon.js'), '--json', '-c', String(connections), '-d', String(durationS), '-m', 'POST', '-b', body];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
  args.push(url);
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`autocannon failed: ${result.stderr}`);
  const json = JSON.parse(result.stdout);
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

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function medianOf(runs, key) {
  return median(runs.map((r) => r[key]));
}

function saveResult(name, result) {
  const dir = join(repo, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

function cleanupOnExit(cleanup) {
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
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      run();
      process.exit(130);
    });
  }
}

const fmt = (n, digits = 0) => (n === undefined || Number.isNaN(n) ? '-' : Number(n).toFixed(digits));

module.exports = { repo, startKafka, kafkaTool, createTopic, freePort, startProcess, stopProcess, peakRssMb, rssMb, cpuSeconds, waitForHttp, waitForPort, autocannon, median, medianOf, saveResult, cleanupOnExit, fmt };
