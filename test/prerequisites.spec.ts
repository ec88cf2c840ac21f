import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(__dirname, '..');
const CHECKER = join(REPO, 'scripts/check-prerequisites.ts');
/** The checker is TypeScript, run by tsx's CommonJS hook as package.json runs it. */
const RUN_CHECKER = ['--require', 'tsx/cjs', CHECKER];

/** Runs the checker with a PATH that holds only `node`: every other tool is missing. */
function checkWithoutTools(mode: string, env: Record<string, string> = {}) {
  const bin = mkdtempSync(join(tmpdir(), 'prereq-'));
  try {
    symlinkSync(process.execPath, join(bin, 'node'));
    const result = spawnSync(process.execPath, [...RUN_CHECKER, mode], {
      encoding: 'utf8',
      env: { PATH: bin, CHROMIUM_PATH: join(bin, 'no-chromium'), ...env },
    });
    return { code: result.status, stderr: result.stderr, stdout: result.stdout };
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

const aptPackagesIn = (line: string) =>
  /all at once: sudo apt-get install -y ([a-z0-9. -]+)\./.exec(line)?.[1].split(' ') ?? [];

describe('the prerequisites check', () => {
  it('stops npm test in one line naming each missing tool and its install command, exit 1', () => {
    const result = checkWithoutTools('test');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^npm test needs what is missing here: /);
    for (const [tool, apt] of [
      ['Java 17 or newer', 'openjdk-17-jre-headless'],
      ['Maven', 'maven'],
      ['kcat', 'kcat'],
      ['Chromium', 'chromium'],
      ['Python 3 with venv', 'python3-venv'],
    ]) {
      expect(lines[0]).toContain(`${tool} (sudo apt-get install -y ${apt})`);
    }
    expect(aptPackagesIn(lines[0])).toEqual(['openjdk-17-jre-headless', 'maven', 'kcat', 'chromium', 'python3-venv']);
  });

  it('asks npm start for Java and Maven only when it must run Kafka itself', () => {
    expect(checkWithoutTools('start').stderr).toMatch(
      /^npm start needs what is missing here: Java 17 or newer .*, Maven /,
    );
    expect(checkWithoutTools('start', { KAFKA_BROKERS: 'kafka:9092' })).toMatchObject({ code: 0, stderr: '' });
  });

  it('passes on this machine, which npm test already checked', () => {
    const result = spawnSync(process.execPath, [...RUN_CHECKER, 'test'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('names the packages the README install line and CI install', () => {
    const packages = new Set([
      ...aptPackagesIn(checkWithoutTools('test').stderr),
      ...aptPackagesIn(checkWithoutTools('faults').stderr),
    ]);
    expect([...packages].sort()).toEqual(['chromium', 'kcat', 'maven', 'openjdk-17-jre-headless', 'python3-venv']);
    const readmeLine = /sudo apt-get install -y ([a-z0-9. -]+)\n/
      .exec(readFileSync(join(REPO, 'README.md'), 'utf8'))?.[1]
      .split(' ');
    expect(readmeLine?.sort()).toEqual([...packages].sort());
    const ci = readFileSync(join(REPO, '.ci/run'), 'utf8');
    for (const name of packages) expect(ci).toContain(`need_apt+=(${name})`);
  });

  it('runs before the build and the tests in npm test, test:e2e and test:faults', () => {
    const scripts = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).scripts as Record<string, string>;
    expect(scripts.test).toMatch(/^node --require tsx\/cjs scripts\/check-prerequisites\.ts test && /);
    expect(scripts['test:e2e']).toMatch(/^node --require tsx\/cjs scripts\/check-prerequisites\.ts test && /);
    expect(scripts['test:faults']).toMatch(/^node --require tsx\/cjs scripts\/check-prerequisites\.ts faults && /);
  });
});
