#!/usr/bin/env node
// Checks what `npm start` and `npm test` need beyond node_modules, before anything starts, and
// stops in one line that names each missing tool and the command that installs it (Debian/Ubuntu).
// Usage: node scripts/check-prerequisites.js [start|test|faults]   (default: test)
'use strict';

const { spawnSync } = require('node:child_process');
const { accessSync, constants } = require('node:fs');
const { delimiter, join } = require('node:path');

/** The README's Prerequisites section lists the same tools with the same packages. */
const TOOLS = {
  node: { need: `Node.js 20.11+ or 22 (this is ${process.version})`, install: 'a Node.js 20 or 22 from nodejs.org or your version manager', check: () => nodeVersionOk() },
  java: { need: 'Java 17 or newer', apt: 'openjdk-17-jre-headless', check: () => javaMajor() >= 17 },
  mvn: { need: 'Maven', apt: 'maven', check: () => onPath('mvn') },
  kcat: { need: 'kcat', apt: 'kcat', check: () => onPath('kcat') },
  chromium: { need: 'Chromium', apt: 'chromium', check: () => executable(process.env.CHROMIUM_PATH || '/usr/bin/chromium') },
  'python3-venv': { need: 'Python 3 with venv', apt: 'python3-venv', check: () => spawnSync('python3', ['-c', 'import ensurepip, venv'], { stdio: 'ignore' }).status === 0 },
};

/** Kafka runs from Maven Central artifacts on Java unless KAFKA_BROKERS points at a cluster. */
const LOCAL_KAFKA = ['java', 'mvn'];
const NEEDS = {
  start: process.env.KAFKA_BROKERS ? ['node'] : ['node', ...LOCAL_KAFKA],
  // The SASL test starts a Kafka of its own even when KAFKA_BROKERS is set.
  test: ['node', ...LOCAL_KAFKA, 'kcat', 'chromium'],
  faults: ['node', ...LOCAL_KAFKA, 'kcat', 'python3-venv'],
};

function onPath(command) {
  return (process.env.PATH || '').split(delimiter).some((dir) => dir && executable(join(dir, command)));
}

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function nodeVersionOk() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  return (major === 20 && minor >= 11) || (major > 20 && major < 23);
}

function javaMajor() {
  if (!onPath('java')) return 0;
  const result = spawnSync('java', ['-XshowSettings:properties', '-version'], { encoding: 'utf8', timeout: 20_000 });
  const match = /java\.specification\.version = (\d+)/.exec(`${result.stderr}${result.stdout}`);
  return match ? Number(match[1]) : 0;
}

function main() {
  const mode = process.argv[2] || 'test';
  const needs = NEEDS[mode];
  if (!needs) {
    console.error(`check-prerequisites: unknown mode "${mode}" (start, test or faults)`);
    return 2;
  }
  const missing = needs.filter((name) => !TOOLS[name].check());
  if (missing.length === 0) return 0;
  const install = (name) => TOOLS[name].install ?? `sudo apt-get install -y ${TOOLS[name].apt}`;
  const apt = missing.filter((name) => TOOLS[name].apt).map((name) => TOOLS[name].apt);
  const all = apt.length > 1 ? `; all at once: sudo apt-get install -y ${apt.join(' ')}` : '';
  const command = mode === 'faults' ? 'npm run test:faults' : `npm ${mode}`;
  console.error(`${command} needs what is missing here: ${missing.map((name) => `${TOOLS[name].need} (${install(name)})`).join(', ')}${all}. See Prerequisites in README.md.`);
  return 1;
}

process.exitCode = main();
