import { readAll, type ReadRecord } from '../support/kcat';
import { spawnApp } from '../support/processes';
import { forwarderSuite, forwardTopic } from '../support/forwarder-run';
import type { TestTarget } from '../support/target';

const RECORDS = 50;

/** "partition 0 offsets 1-3, partition 2 offset 0", as the summary lists dead letters. */
function offsetsOf(records: ReadRecord[]): string {
  const byPartition = new Map<number, number[]>();
  for (const r of records) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r.offset]);
  return [...byPartition]
    .sort(([a], [b]) => a - b)
    .map(([p, offsets]) => {
      const [first, last] = [Math.min(...offsets), Math.max(...offsets)];
      return `partition ${p} offset${first === last ? ` ${first}` : `s ${first}-${last}`}`;
    })
    .join(', ');
}

describe('redrive: dead letters back to their topic, each once', () => {
  const { brokers, kafka, startTarget } = forwarderSuite();
  let target: TestTarget;

  const redrive = async (args: string[]) => {
    const app = spawnApp('forwarder', ['redrive', '--brokers', brokers, ...args], {});
    return { code: await app.exited, output: app.output().trim() };
  };
  const forward = (topic: string) => forwardTopic(topic, target, { 'idle-exit': '2s' });
  const seqOf = (value: unknown) => (value as { seq: number }).seq;

  beforeAll(async () => {
    target = await startTarget();
  });

  it('dry run reports exactly the dead letters, redrive puts them back once, the forwarder delivers them, a second redrive sends nothing', async () => {
    const topic = await kafka.createTopic('redrive', 3);
    const dlq = `${topic}.dlq`;
    await kafka.produce(
      topic,
      Array.from({ length: RECORDS }, (_, i) => ({
        key: `k-${i}`,
        value: JSON.stringify({ seq: i }),
        headers: { 'x-seq': String(i) },
      })),
    );
    // Every tenth record is rejected: 5 dead letters.
    target.answerWith((r) => ({ status: seqOf(r.value) % 10 === 0 ? 400 : 200 }));
    expect(await forward(topic).exited).toBe(0);
    const dead = await readAll(brokers, dlq);
    expect(dead.map((r) => Number(r.headers['x-seq'])).sort((a, b) => a - b)).toEqual([0, 10, 20, 30, 40]);

    const dry = await redrive(['--topic', dlq, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.output.split('\n')).toEqual([
      `Dry run: would redrive 5 of 5 dead letters read from ${dlq} (group ${dlq}.redrive); nothing was sent or committed.`,
      `  5 rejected -> ${topic}: ${offsetsOf(dead)}`,
    ]);
    expect(await kafka.recordCount(topic)).toBe(RECORDS);
    expect([...(await kafka.committedOffsets(`${dlq}.redrive`, dlq)).values()].every((offset) => offset === -1)).toBe(
      true,
    );

    const real = await redrive(['--topic', dlq]);
    expect(real.code).toBe(0);
    expect(real.output.split('\n')).toEqual([
      `Redrove 5 of 5 dead letters read from ${dlq} (group ${dlq}.redrive).`,
      `  5 rejected -> ${topic}: ${offsetsOf(dead)}`,
    ]);
    const back = (await readAll(brokers, topic)).filter((r) => r.headers['redrive-count'] !== undefined);
    expect(back).toHaveLength(5);
    for (const record of back) {
      const seq = Number(record.headers['x-seq']);
      expect(record).toMatchObject({ key: `k-${seq}`, value: JSON.stringify({ seq }) });
      expect(record.headers).toEqual({ 'x-seq': String(seq), 'redrive-count': '1' });
    }

    target.answerWith(() => ({ status: 200 }));
    target.received.splice(0);
    expect(await forward(topic).exited).toBe(0);
    expect(target.received.map((r) => seqOf(r.value)).sort((a, b) => a - b)).toEqual([0, 10, 20, 30, 40]);
    expect(target.received.every((r) => r.status === 200 && r.recordHeaders['redrive-count'] === '1')).toBe(true);

    const second = await redrive(['--topic', dlq]);
    expect(second.code).toBe(0);
    expect(second.output).toBe(`Redrove 0 of 0 dead letters read from ${dlq} (group ${dlq}.redrive).`);
    expect(await kafka.recordCount(topic)).toBe(RECORDS + 5);
  });

  it('leaves a record that fails every time in the dead-letter topic once redrive-count reaches --max-redrives', async () => {
    const topic = await kafka.createTopic('poison', 1);
    const dlq = `${topic}.dlq`;
    await kafka.produce(topic, [{ key: 'p', value: JSON.stringify({ seq: -1 }) }]);
    target.answerWith(() => ({ status: 400 }));
    for (const count of [1, 2]) {
      expect(await forward(topic).exited).toBe(0);
      const result = await redrive(['--topic', dlq, '--max-redrives', '2']);
      expect(result.code).toBe(0);
      expect(result.output.split('\n')[0]).toBe(`Redrove 1 of 1 dead letters read from ${dlq} (group ${dlq}.redrive).`);
      const latest = (await readAll(brokers, topic)).pop()!;
      expect(latest.headers['redrive-count']).toBe(String(count));
    }
    expect(await forward(topic).exited).toBe(0);
    const dead = await readAll(brokers, dlq);
    expect(dead.map((r) => r.headers['redrive-count'])).toEqual([undefined, '1', '2']);
    const held = await redrive(['--topic', dlq, '--max-redrives', '2']);
    expect(held.code).toBe(0);
    expect(held.output.split('\n')).toEqual([
      `Redrove 0 of 1 dead letters read from ${dlq} (group ${dlq}.redrive).`,
      `  1 left in ${dlq}: redrive-count reached --max-redrives 2: partition 0 offset 2`,
    ]);
    expect(await kafka.recordCount(topic)).toBe(3);
  });

  it('selects by --reason and --to, and --max-messages stops early, committing only what it redrove', async () => {
    const topic = await kafka.createTopic('select', 1);
    const dlq = await kafka.createTopic('select-dlq', 1);
    const elsewhere = await kafka.createTopic('select-to', 1);
    await kafka.produce(dlq, [
      { key: 'a', value: 'A', headers: { 'dlq-reason': 'rejected', 'dlq-original-topic': topic } },
      { key: 'b', value: 'B', headers: { 'dlq-reason': 'exhausted', 'dlq-original-topic': topic } },
      { key: 'c', value: 'C', headers: { 'dlq-reason': 'exhausted', 'dlq-original-topic': topic } },
      { key: 'd', value: 'D', headers: { 'dlq-reason': 'exhausted', 'dlq-original-topic': topic } },
    ]);
    const first = await redrive(['--topic', dlq, '--reason', 'exhausted', '--to', elsewhere, '--max-messages', '2']);
    expect(first.code).toBe(0);
    expect(first.output.split('\n')).toEqual([
      `Redrove 2 of 3 dead letters read from ${dlq} (group ${dlq}.redrive).`,
      `  2 exhausted -> ${elsewhere}: partition 0 offsets 1-2`,
      `  1 not selected by --reason/--since, skipped: partition 0 offset 0`,
    ]);
    expect((await readAll(brokers, elsewhere)).map((r) => r.key)).toEqual(['b', 'c']);
    expect((await kafka.committedOffsets(`${dlq}.redrive`, dlq)).get(0)).toBe(3);
    const rest = await redrive(['--topic', dlq, '--to', elsewhere]);
    expect(rest.output.split('\n')).toEqual([
      `Redrove 1 of 1 dead letters read from ${dlq} (group ${dlq}.redrive).`,
      `  1 exhausted -> ${elsewhere}: partition 0 offset 3`,
    ]);
    expect(await kafka.recordCount(topic)).toBe(0);
  });

  it.each([
    [[], 2, /^error: required option '--topic <dlq-topic>' not specified$/],
    [
      ['--topic', 'd', '--reason', 'lost'],
      2,
      /^error: option '--reason <reason>' argument 'lost' is invalid\. Allowed choices are rejected, exhausted\.$/,
    ],
    [
      ['--topic', 'd', '--max-redrives', '0'],
      2,
      /^error: option '--max-redrives <n>' argument '0' is invalid\. It must be an integer from 1 to 1000\.$/,
    ],
    [
      ['--topic', 'd', '--since', 'latest'],
      2,
      /^error: option '--since <time>' argument 'latest' is invalid\. It must be an ISO 8601 time/,
    ],
    [['--topic', 'd', '--since', '1h', '--until', '2h'], 2, /^error: --since must not be later than --until\.$/],
    [['--topic', 'd', '--to', 'd'], 2, /^error: --to must differ from --topic/],
    [['--topic', 'no-such-dlq-topic'], 1, /^redrive: Topic "no-such-dlq-topic" does not exist\.?/],
  ])('redrive %j exits %i with one line', async (args, code, line) => {
    const result = await redrive(args);
    expect(result.code).toBe(code);
    expect(result.output).toMatch(line);
    expect(result.output.split('\n')).toHaveLength(1);
  });

  it('lists every option with its default in --help', async () => {
    const app = spawnApp('forwarder', ['redrive', '--help'], {});
    expect(await app.exited).toBe(0);
    const help = app.output().replace(/\s+/g, ' ');
    for (const flag of [
      '--topic <dlq-topic>',
      '--to <topic>',
      '--reason <reason>',
      '--since <time>',
      '--until <time>',
      '--dry-run',
      '--max-messages <n>',
      '--max-redrives <n>',
      '--brokers <list>',
      '--group <id>',
    ]) {
      expect(help).toContain(flag);
    }
    expect(help).toContain('(default: 5)');
    expect(help).toContain('(default: <dlq-topic>.redrive)');
    const forwarder = spawnApp('forwarder', ['--help'], {});
    expect(await forwarder.exited).toBe(0);
    expect(forwarder.output()).toMatch(/redrive \[options\]/);
  });

  it('exits 1 with one line when Kafka cannot be reached', async () => {
    const app = spawnApp('forwarder', ['redrive', '--topic', 'd', '--brokers', '127.0.0.1:1'], {});
    expect(await app.exited).toBe(1);
    expect(app.output().trim()).toBe(
      'redrive: cannot reach Kafka at 127.0.0.1:1: connection refused (no broker listens there)',
    );
  });
});
