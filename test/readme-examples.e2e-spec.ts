import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { REPO } from './setup/test-kafka';
import { testBrokers } from './support/kafka-admin';
import { startIngress, stopAll, type AppProcess } from './support/processes';

const run = promisify(execFile);

interface Example {
  command: string;
  status: number;
  codes: string[];
}

/** The README's shell blocks: every command with the answer documented under it (`# [status] body`). */
function readmeExamples(readme: string, starts: RegExp): Example[] {
  const examples: Example[] = [];
  for (const [, block] of readme.matchAll(/```sh\n([\s\S]*?)```/g)) {
    let current: { lines: string[]; comments: string[] } | undefined;
    const finish = () => {
      if (!current) return;
      const comment = current.comments.join('\n');
      examples.push({
        command: current.lines.join('\n'),
        status: Number(/^(\d{3}) /.exec(current.comments[0] ?? '')?.[1] ?? 200),
        codes: [...comment.matchAll(/"code":"([A-Z_]+)"/g)].map((m) => m[1]),
      });
      current = undefined;
    };
    for (const line of block.split('\n')) {
      if (starts.test(line)) {
        finish();
        current = { lines: [line], comments: [] };
      } else if (current && line.startsWith('# ')) current.comments.push(line.slice(2));
      else if (current && current.comments.length === 0 && line.trim() !== '') current.lines.push(line);
      else finish();
    }
    finish();
  }
  return examples;
}

describe('the README examples run as written against npm start', () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  let ingress: AppProcess;

  beforeAll(async () => {
    // What npm start sets up: the demo topic with 6 partitions, the ingress with its simulator.
    const admin = new Kafka({
      clientId: 'readme-examples',
      brokers: testBrokers().split(','),
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'demo', numPartitions: 6 }], waitForLeaders: true });
    await admin.disconnect();
    ingress = await startIngress({ KAFKA_BROKERS: testBrokers() });
  });

  afterAll(stopAll);

  const curls = readmeExamples(readFileSync(join(REPO, 'README.md'), 'utf8'), /^curl /);

  it('finds the API examples', () => {
    expect(curls.length).toBeGreaterThanOrEqual(4);
    expect(readme).not.toMatch(/"topic": ?"orders"/);
  });

  it.each(curls.map((example) => [example.command.split('\n')[0], example] as const))(
    '%s answers as documented',
    async (_first, example) => {
      const command = `${example.command.replaceAll('localhost:6969', ingress.url.replace('http://', ''))} -w '\\n%{http_code}'`;
      const { stdout } = await run('bash', ['-c', command], { timeout: 30_000 });
      const lines = stdout.trimEnd().split('\n');
      const status = Number(lines.pop());
      const body = JSON.parse(lines.join('\n')) as { success: boolean };
      expect({ status, body }).toMatchObject({ status: example.status, body: { success: example.status === 200 } });
      for (const code of example.codes) expect(JSON.stringify(body)).toContain(`"code":"${code}"`);
    },
  );

  it('runs the forwarder example', async () => {
    const [example] = readmeExamples(readme, /^node dist\/apps\/forwarder\/main forward /);
    const command = `${example.command.replaceAll('127.0.0.1:6969', ingress.url.replace('http://', ''))} --idle-exit 2s`;
    const { stdout } = await run('bash', ['-c', command], {
      cwd: REPO,
      timeout: 90_000,
      env: { PATH: process.env.PATH ?? '', KAFKA_BROKERS: testBrokers(), LOG_FORMAT: 'json' },
    });
    expect(stdout).toMatch(/Joined group \\"readme-example\\"/);
    expect(stdout).toMatch(/Stopping \(idle for 2000 ms\)/);
  });
});
