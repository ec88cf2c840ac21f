import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../setup/test-kafka';
import { TestKafka, testBrokers } from '../support/kafka-admin';
import { startIngress, stopAll, type AppProcess } from '../support/processes';

const RUN_SCRIPT = join(REPO, 'test/faults/schemathesis/run.sh');
const REPORTS = join(REPO, '.tmp/schemathesis');
/** run.sh stops Schemathesis after 170 s; a first run also makes its virtualenv (about 30 s). */
const RUN_TIMEOUT_MS = 300_000;
const SOURCES = ['apps/ingress/src', 'libs'].map((dir) => join(REPO, dir));
const BUNDLE = join(REPO, 'dist/apps/ingress/main.js');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** The contract is the built ingress's: build it again when a source is newer than the bundle. */
function ensureFreshBuild(): void {
  if (Math.max(...SOURCES.map(newestMtime)) <= statSync(BUNDLE).mtimeMs) return;
  const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: REPO, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
}

function runSchemathesis(url: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [RUN_SCRIPT, url], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** Schemathesis' own closing words: operations tested, test cases, and its final line. */
function summaryOf(output: string): string {
  const tested = /^\s*Tested: (\d+)/m.exec(output)?.[1] ?? '?';
  const cases = /^Test cases:\s*\n\s*(.+)$/m.exec(output)?.[1]?.trim() ?? 'no test cases reported';
  const verdict = /^=+ (.+?) =+\s*$/gm;
  let last = 'no summary line';
  for (let match = verdict.exec(output); match; match = verdict.exec(output)) last = match[1];
  return `Schemathesis: ${tested} operations tested, ${cases}; ${last}`;
}

/** From the failures to the end: what Schemathesis says about each failure and its summary. */
function reportOf(output: string): string {
  const start = output.search(/^=+ (FAILURES|ERRORS|WARNINGS) =+$/m);
  return start >= 0 ? output.slice(start) : output.slice(-6000);
}

describe('the ingress against its own OpenAPI document (Schemathesis)', () => {
  const brokers = testBrokers();
  const kafka = new TestKafka(brokers);
  const apiKey = `contract-${randomBytes(16).toString('hex')}`;
  let ingress: AppProcess;
  let topic: string;

  beforeAll(async () => {
    ensureFreshBuild();
    topic = await kafka.createTopic('contract', 3);
    ingress = await startIngress({
      KAFKA_BROKERS: brokers,
      // API keys on, so the security the document declares is enforced and checked.
      INGRESS_API_KEYS: apiKey,
      INGRESS_MAX_BODY_BYTES: String(64 * 1024),
      // Answers well inside Schemathesis' 10 s request timeout, even a 503 KAFKA_TIMEOUT.
      PRODUCE_TIMEOUT_MS: '5000',
      // The simulator answers at once and, with a seed, the same way every run.
      SIMULATOR_MIN_DELAY_MS: '0',
      SIMULATOR_MAX_DELAY_MS: '5',
      SIMULATOR_SEED: '7',
    });
  }, RUN_TIMEOUT_MS);
  afterAll(stopAll);

  it(
    'answers every generated request as documented: no 5xx, documented status codes, content types, headers and schemas',
    async () => {
      const { code, output } = await runSchemathesis(ingress.url, {
        INGRESS_API_KEY: apiKey,
        INGRESS_CONTRACT_TOPIC: topic,
      });
      mkdirSync(REPORTS, { recursive: true });
      writeFileSync(join(REPORTS, 'output.txt'), output);
      const summary = summaryOf(output);
      console.log(summary);

      if (code !== 0)
        throw new Error(
          `Schemathesis exited with ${code} (full output in .tmp/schemathesis/output.txt)\n${summary}\n\n${reportOf(output)}`,
        );
      // The hooks sent valid records to the topic: the 200 answers were checked, not only the errors.
      expect(await kafka.recordCount(topic)).toBeGreaterThan(0);
      expect(ingress.child.exitCode).toBeNull();
    },
    RUN_TIMEOUT_MS,
  );
});
