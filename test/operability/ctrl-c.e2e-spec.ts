import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { sample } from '../../scripts/shared/metrics';
import { REPO } from '../setup/test-kafka';
import { postJson } from '../support/http';
import { TestKafka, testBrokers } from '../support/kafka-admin';
import { freePort, stopAll, waitFor } from '../support/processes';
import { forwardTopic, numberedRecords, waitForRequests } from '../support/forwarder-run';
import { TestTarget } from '../support/target';

/** `delivered N, dead-lettered M` from the forwarder's summary line: what it finished. */
function doneInSummary(output: string): number {
  const match = /Summary after [\d.]+s: delivered (\d+), dead-lettered (\d+)/.exec(output);
  if (!match) throw new Error(`no summary line in:\n${output}`);
  return Number(match[1]) + Number(match[2]);
}

const sum = (offsets: Map<number, number>) =>
  [...offsets.values()].reduce((total, offset) => total + Math.max(0, offset), 0);

describe('Ctrl+C', () => {
  const kafka = new TestKafka(testBrokers());

  afterAll(stopAll);

  it('under npm start gives one clean stop of every process: all exit 0 and commits match what was done', async () => {
    const topic = await kafka.createTopic('start-demo', 6);
    const [port, healthPort] = [await freePort(), await freePort()];
    // Its own process group, as a terminal runs `npm start`: the signal below is a Ctrl+C.
    const supervisor = spawn(process.execPath, ['--require', 'tsx/cjs', join(REPO, 'scripts/start.ts'), '--no-build'], {
      cwd: REPO,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        KAFKA_BROKERS: testBrokers(),
        PORT: String(port),
        HOST: '127.0.0.1',
        FORWARDER_HEALTH_PORT: String(healthPort),
        DEMO_TOPIC: topic,
        SIMULATOR_SEED: '9',
        LOG_FORMAT: 'json',
      },
    });
    let output = '';
    supervisor.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    supervisor.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => supervisor.once('exit', (code) => resolve(code)));
    try {
      await waitFor(
        'the demo forwarder to join its group',
        async () => (await fetch(`http://127.0.0.1:${healthPort}/health`)).ok,
        60_000,
        250,
      );
      // One key per record: records queued behind a same-key delivery are left for the next run
      // and would leave a legitimate gap below records that are done.
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          postJson(`http://127.0.0.1:${port}/produce`, { topic, key: `order-${i}`, payload: { i } }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
      // The simulator takes 50-2000 ms: Ctrl+C comes once some deliveries are done, with others in flight.
      const delivered = async () =>
        sample(
          await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text(),
          'kafka_gateway_forwarder_deliveries_total',
          {
            outcome: 'delivered',
          },
        ) ?? 0;
      await waitFor('the first deliveries', async () => (await delivered()) >= 5, 60_000, 50);

      process.kill(-supervisor.pid!, 'SIGINT');
      expect(
        await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running after 60 s'), 60_000))]),
      ).toBe(0);
    } finally {
      if (supervisor.exitCode === null) process.kill(-supervisor.pid!, 'SIGKILL');
    }
    expect(output).toMatch(/\[start\] forwarder stopped \(exit 0\)/);
    expect(output).toMatch(/\[start\] ingress stopped \(exit 0\)/);
    expect(output).not.toMatch(/exiting at once/);
    const done = doneInSummary(output);
    expect(done).toBeGreaterThan(0);
    expect(sum(await kafka.committedOffsets('demo-forwarder', topic))).toBe(done);
  });

  it('a second signal right after the first is the same clean stop; a later one exits at once', async () => {
    const topic = await kafka.createTopic('double-signal', 3);
    await kafka.produce(topic, numberedRecords(30));
    const target = await new TestTarget(() => ({ status: 200, delayMs: 1_500 })).start();
    try {
      const group = `double-signal-${Date.now()}`;
      const forwarder = forwardTopic(topic, target, { group, workers: 8 });
      await waitForRequests(target, 1, { forwarder, timeoutMs: 30_000 });
      forwarder.child.kill('SIGINT');
      forwarder.child.kill('SIGTERM');
      expect(await forwarder.exited).toBe(0);
      expect(forwarder.output()).toMatch(/SIG(INT|TERM) again within \d+ ms: the same clean stop/);
      expect(forwarder.output()).not.toMatch(/exiting at once/);
      expect(sum(await kafka.committedOffsets(group, topic))).toBe(doneInSummary(forwarder.output()));

      target.answerWith(() => ({ status: 200, delayMs: 20_000 }));
      await kafka.produce(
        topic,
        Array.from({ length: 10 }, (_, i) => ({ key: `late${i}`, value: '{}' })),
      );
      const slow = forwardTopic(topic, target, { group, workers: 8 });
      await waitFor('a slow delivery in flight', async () => target.inFlight > 0, 30_000);
      slow.child.kill('SIGINT');
      await waitFor('the clean stop to begin', async () => /Stopping \(SIGINT\)/.test(slow.output()), 30_000);
      // Ctrl+C again until one comes late enough not to count as the same stop: that one exits at once.
      let inFlightAtExit = -1;
      void slow.exited.then(() => (inFlightAtExit = target.inFlight));
      const code = await waitFor(
        'an exit at the later Ctrl+C',
        async () => {
          if (slow.child.exitCode !== null) return slow.child.exitCode;
          slow.child.kill('SIGINT');
          return undefined;
        },
        30_000,
        250,
      );
      expect(code).toBe(130);
      expect(slow.output()).toMatch(/SIGINT again: exiting at once/);
      // It did not wait for the 20 s deliveries: they were still in flight at the target when it exited.
      await slow.exited;
      expect(inFlightAtExit).toBeGreaterThan(0);
    } finally {
      await target.stop();
    }
  });
});
