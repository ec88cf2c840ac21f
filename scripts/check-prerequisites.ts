// Checks what `npm start` and `npm test` need beyond node_modules, before anything starts, and
// stops in one line that names each missing tool and the command that installs it (Debian/Ubuntu).
// Usage: node --import tsx scripts/check-prerequisites.ts [start|test|faults]   (default: test)
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

interface Tool {
  need: string;
  /** The Debian package that provides it; `install` says how otherwise. */
  apt?: string;
  install?: string;
  check: () => boolean;
}

type ToolName = 'node' | 'java' | 'mvn' | 'kcat' | 'chromium' | 'python3-venv';
export type Mode = 'start' | 'test' | 'faults';

/** The README's Prerequisites section lists the same tools with the same packages. */
const TOOLS: Record<ToolName, Tool> = {
  node: {
    need: `Node.js 22.12+ or 24 LTS (this is ${process.version})`,
    install: 'a Node.js 22 or 24 LTS from nodejs.org or your version manager',
    check: () => nodeVersionOk(),
  },
  java: { need: 'Java 17 or newer', apt: 'openjdk-17-jre-headless', check: () => javaMajor() >= 17 },
  mvn: { need: 'Maven', apt: 'maven', check: () => onPath('mvn') },
  kcat: { need: 'kcat', apt: 'kcat', check: () => onPath('kcat') },
  chromium: {
    need: 'Chromium',
    apt: 'chromium',
    check: () => executable(process.env.CHROMIUM_PATH || '/usr/bin/chromium'),
  },
  'python3-venv': {
    need: 'Python 3 with venv',
    apt: 'python3-venv',
    check: () => spawnSync('python3', ['-c', 'import ensurepip, venv'], { stdio: 'ignore' }).status === 0,
  },
};

/** Kafka runs from Maven Central artifacts on Java unless KAFKA_BROKERS points at a cluster. */
const LOCAL_KAFKA: ToolName[] = ['java', 'mvn'];
const NEEDS: Record<Mode, ToolName[]> = {
  start: process.env.KAFKA_BROKERS ? ['node'] : ['node', ...LOCAL_KAFKA],
  // The SASL test starts a Kafka of its own even when KAFKA_BROKERS is set.
  // python3-venv: the contract tests read records back with Confluent's own Python deserializers.
  test: ['node', ...LOCAL_KAFKA, 'kcat', 'chromium', 'python3-venv'],
  faults: ['node', ...LOCAL_KAFKA, 'kcat', 'python3-venv'],
};

function onPath(command: string): boolean {
  return (process.env.PATH || '').split(delimiter).some((dir) => dir && executable(join(dir, command)));
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function nodeVersionOk(): boolean {
  const [major, minor] = process.versions.node.split('.').map(Number);
  // require() of ES modules (the CEL and OAuth2 libraries ship only those) is unflagged from 22.12.
  return (major === 22 && minor >= 12) || (major === 24 && minor >= 11);
}

function javaMajor(): number {
  if (!onPath('java')) return 0;
  const result = spawnSync('java', ['-XshowSettings:properties', '-version'], { encoding: 'utf8', timeout: 20_000 });
  const match = /java\.specification\.version = (\d+)/.exec(`${result.stderr}${result.stdout}`);
  return match ? Number(match[1]) : 0;
}

const isMode = (mode: string): mode is Mode => Object.hasOwn(NEEDS, mode);

/** Prints the one line on stderr when something is missing; returns the exit code (0, 1, or 2 for a bad mode). */
export function checkPrerequisites(mode: string): number {
  if (!isMode(mode)) {
    console.error(`check-prerequisites: unknown mode "${mode}" (start, test or faults)`);
    return 2;
  }
  const missing = NEEDS[mode].filter((name) => !TOOLS[name].check());
  if (missing.length === 0) return 0;
  const install = (name: ToolName) => TOOLS[name].install ?? `sudo apt-get install -y ${TOOLS[name].apt}`;
  const apt = missing.flatMap((name) => TOOLS[name].apt ?? []);
  const all = apt.length > 1 ? `; all at once: sudo apt-get install -y ${apt.join(' ')}` : '';
  const command = mode === 'faults' ? 'npm run test:faults' : `npm ${mode}`;
  const needs = missing.map((name) => `${TOOLS[name].need} (${install(name)})`).join(', ');
  console.error(`${command} needs what is missing here: ${needs}${all}. See Prerequisites in README.md.`);
  return 1;
}

if (require.main === module) process.exitCode = checkPrerequisites(process.argv[2] || 'test');
