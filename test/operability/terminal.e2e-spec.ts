import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../setup/test-kafka';
import { postJson } from '../support/http';
import { TestKafka, testBrokers } from '../support/kafka-admin';
import { freePort, waitFor } from '../support/processes';

/**
 * Runs a command on a pseudo-terminal (util-linux `script`), as a person's terminal would: its
 * output is a TTY, and a \x03 written to it is a real Ctrl+C for its foreground process group.
 */
function onTerminal(command: string, env: Record<string, string>) {
  const child = spawn('script', ['-qfec', `exec ${command}`, '/dev/null'], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', TERM: 'xterm', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output.replace(/\r/g, ''), ctrlC: () => child.stdin.write('\x03') };
}

// eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC; removing them is the point
const stripColors = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

describe('in a terminal', () => {
  const kafka = new TestKafka(testBrokers());

  it('npm start prints the banner and a few readable lines, no warnings, even while the demo target fails; Ctrl+C stops it', async () => {
    const topic = await kafka.createTopic('quiet-start', 6);
    const [port, healthPort] = [await freePort(), await freePort()];
    // Half the simulator's answers fail: the forwarder counts them, nobody logs them one by one.
    const start = onTerminal('node --require tsx/cjs scripts/start.ts --no-build', {
      KAFKA_BROKERS: testBrokers(),
      PORT: String(port),
      HOST: '127.0.0.1',
      FORWARDER_HEALTH_PORT: String(healthPort),
      DEMO_TOPIC: topic,
      SIMULATOR_FAIL_500_RATE: '0.3',
      SIMULATOR_FAIL_503_RATE: '0.2',
      SIMULATOR_MAX_DELAY_MS: '200',
      // At 50% failures, 10 in a row happen now and then and rightly open the circuit (a WARN line);
      // this test is about per-failure noise, so the circuit stays out of it.
      FORWARDER_CIRCUIT_THRESHOLD: '1000',
    });
    try {
      await waitFor('the forwarder to join its group', async () => /Joined group/.test(start.output()), 60_000, 200);
      for (let i = 0; i < 20; i++)
        expect(
          (await postJson(`http://127.0.0.1:${port}/produce`, { topic, key: `k${i}`, payload: { i } })).status,
        ).toBe(200);
      await waitFor(
        'a progress line that counts retries',
        async () => /\[Forwarder\] delivered \d+, retried [1-9]/.test(start.output()),
        30_000,
        200,
      );
      start.ctrlC();
      expect(
        await Promise.race([start.exited, new Promise((r) => setTimeout(() => r('still running after 60 s'), 60_000))]),
      ).toBe(0);
    } finally {
      if (start.child.exitCode === null) start.child.kill('SIGKILL');
    }
    const lines = stripColors(start.output())
      .split('\n')
      .filter((line) => line.trim() !== '');
    const appLines = lines.filter((line) => /^\[(ingress|forwarder)\] /.test(line));
    // Readable: local time, level, app, context, message; never JSON.
    for (const line of appLines)
      expect(line).toMatch(
        /^\[(ingress|forwarder)\] \[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN|ERROR): (ingress|forwarder) \[\w+\] /,
      );
    expect(appLines.filter((line) => / (WARN|ERROR): /.test(line))).toEqual([]);
    expect(lines.join('\n')).toMatch(/Kafka HTTP gateway is running/);
    // The banner (about 12 lines), a few start-up lines, progress lines, and the stop.
    expect(lines.length).toBeLessThan(40);
  });

  it('an app writes JSON lines on a terminal when LOG_FORMAT=json', async () => {
    const port = await freePort();
    const ingress = onTerminal(`node ${join('dist/apps/ingress/main.js')}`, {
      KAFKA_BROKERS: testBrokers(),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_FORMAT: 'json',
    });
    try {
      await waitFor('the startup line', async () => /Listening on/.test(ingress.output()), 30_000, 100);
      ingress.ctrlC();
      expect(await ingress.exited).toBe(0);
    } finally {
      if (ingress.child.exitCode === null) ingress.child.kill('SIGKILL');
    }
    const line = ingress
      .output()
      .split('\n')
      .find((l) => l.includes('Listening on'))!;
    expect(JSON.parse(line)).toMatchObject({ level: 30, app: 'ingress', context: 'Ingress', time: expect.any(Number) });
  });
});
