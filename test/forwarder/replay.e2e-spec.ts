import { spawnApp, waitFor } from '../support/processes';
import { forwarderSuite, forwardArgs, forwardTopic, type ForwardFlags } from '../support/forwarder-run';
import type { TestTarget } from '../support/target';

/** The `msg` of each JSON log line. */
const messages = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { msg: string }).msg);
const PER_BATCH = 30;
/** How far before now the first batch is stamped: far more than any forwarder's start-up. */
const FIRST_BATCH_AGE_MS = 10 * 60_000;

describe('replay: forward --from and --reset-to', () => {
  const { brokers, kafka, startTarget } = forwarderSuite();
  let target: TestTarget;
  let topic: string;
  /** Between the two batches: records of the first are stamped before it, of the second after. */
  let noted: Date;

  const records = (from: number, timestamp?: number) =>
    Array.from({ length: PER_BATCH }, (_, i) => ({
      key: `k-${from + i}`,
      value: JSON.stringify({ seq: from + i }),
      timestamp: timestamp === undefined ? undefined : String(timestamp),
    }));
  const deliveredSeqs = () =>
    target.received
      .filter((r) => r.status === 200)
      .map((r) => (r.value as { seq: number }).seq)
      .sort((a, b) => a - b);
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  const forward = (flags: Partial<ForwardFlags>) => forwardTopic(topic, target, { 'idle-exit': '2s', ...flags });
  /** `forward --reset-to` as an operator runs it, with the brokers in KAFKA_BROKERS. */
  const resetTo = (group: string, position: string) =>
    run(['forward', ...forwardArgs({ topic, 'target-url': target.url, group, 'reset-to': position })]);
  const run = async (args: string[]) => {
    const app = spawnApp('forwarder', args, { KAFKA_BROKERS: brokers });
    return { code: await app.exited, output: app.output().trim() };
  };

  beforeAll(async () => {
    topic = await kafka.createTopic('replay', 3);
    target = await startTarget();
    // The records carry their own time (CreateTime): the first batch ten minutes old, the second now.
    // "<duration> ago" read before a forwarder starts then still lands between them, however slow the start.
    const now = Date.now();
    await kafka.produce(topic, records(0, now - FIRST_BATCH_AGE_MS));
    noted = new Date(now - FIRST_BATCH_AGE_MS / 2);
    await kafka.produce(topic, records(100));
  });

  beforeEach(() => target.received.splice(0));

  it('--from <time>: a new group delivers exactly the records written since then, and says so per partition', async () => {
    const forwarder = forward({ group: `${topic}-since`, from: noted.toISOString() });
    const code = await forwarder.exited;
    if (code !== 0) console.log(forwarder.output());
    expect(code).toBe(0);
    expect(deliveredSeqs()).toEqual(range(100, 100 + PER_BATCH));
    for (const partition of [0, 1, 2]) {
      expect(forwarder.output()).toMatch(
        new RegExp(
          `${topic}\\[${partition}\\]: no committed offset; starting at offset \\d+, the first record at or after ${noted.toISOString()} \\(--from\\)`,
        ),
      );
    }
  });

  it('--from <duration ago> and --from latest', async () => {
    const ago = `${Date.now() - noted.getTime()}ms`;
    const recent = forward({ group: `${topic}-ago`, from: ago });
    expect(await recent.exited).toBe(0);
    expect(deliveredSeqs()).toEqual(range(100, 100 + PER_BATCH));

    target.received.splice(0);
    const latest = forward({ group: `${topic}-latest`, from: 'latest' });
    expect(await latest.exited).toBe(0);
    expect(target.received).toEqual([]);
    expect(await kafka.committedOffsets(`${topic}-latest`, topic)).toEqual(await kafka.endOffsets(topic));
  });

  it('--from leaves partitions the group already committed where they are', async () => {
    const group = `${topic}-resume`;
    expect(await forward({ group }).exited).toBe(0);
    expect(deliveredSeqs()).toHaveLength(2 * PER_BATCH);
    target.received.splice(0);
    const again = forward({ group, from: 'earliest' });
    expect(await again.exited).toBe(0);
    const fromTime = forward({ group, from: noted.toISOString() });
    expect(await fromTime.exited).toBe(0);
    expect(target.received).toEqual([]);
    expect(messages(fromTime.output())).toContain(
      `${topic}[0]: group "${group}" resumes at its committed offset ${(await kafka.committedOffsets(group, topic)).get(0)} (--from applies only to partitions without one)`,
    );
  });

  it('--reset-to <time> moves a drained group back, one line per partition, and the next run redelivers exactly those records', async () => {
    const group = `${topic}-reset`;
    expect(await forward({ group }).exited).toBe(0);
    expect(deliveredSeqs()).toHaveLength(2 * PER_BATCH);
    const drained = await kafka.committedOffsets(group, topic);
    expect(drained).toEqual(await kafka.endOffsets(topic));

    const reset = await resetTo(group, noted.toISOString());
    expect(reset.code).toBe(0);
    const lines = reset.output.split('\n');
    expect(lines).toHaveLength(3);
    lines.forEach((line, partition) =>
      expect(line).toMatch(
        new RegExp(
          `^${topic}\\[${partition}\\]: group "${group}" moved from ${drained.get(partition)} to \\d+, the first record at or after ${noted.toISOString()}$`,
        ),
      ),
    );

    target.received.splice(0);
    expect(await forward({ group }).exited).toBe(0);
    expect(deliveredSeqs()).toEqual(range(100, 100 + PER_BATCH));
  });

  it('--reset-to is refused, changing nothing, while the group has a running member', async () => {
    const group = `${topic}-busy`;
    const running = forwardTopic(topic, target, { group });
    await waitFor('the forwarder to join its group', async () => /Joined group/.test(running.output()), 30_000);
    await waitFor(
      'the backlog to be committed',
      async () => (await kafka.committedOffsets(group, topic)).get(0) !== -1,
      30_000,
    );
    const before = await kafka.committedOffsets(group, topic);
    const reset = await resetTo(group, 'earliest');
    expect(reset.code).toBe(1);
    expect(reset.output).toMatch(
      new RegExp(
        `^forwarder --reset-to: refused: group "${group}" has 1 running member\\(s\\) \\(state Stable\\); stop its forwarders, then reset\\.$`,
      ),
    );
    expect(await kafka.committedOffsets(group, topic)).toEqual(before);
    expect(await running.stop('SIGTERM')).toBe(0);
  });

  it.each([
    [
      ['--target-url', 'http://t/', '--reset-to', '1h'],
      2,
      /^error: --reset-to needs --group: name the group whose offsets move \(the default group is not assumed\)\.$/,
    ],
    [
      ['--target-url', 'http://t/', '--group', 'g', '--reset-to', '1h', '--from', 'latest'],
      2,
      /^error: --reset-to and --from do not go together/,
    ],
    [
      ['--target-url', 'http://t/', '--group', 'g', '--reset-to', '2999-01-01T00:00:00Z'],
      2,
      /^error: option '--reset-to <position>' argument '2999-01-01T00:00:00Z' is invalid\. It is in the future\.$/,
    ],
    [
      ['--target-url', 'http://t/', '--from', 'yesterday'],
      2,
      /^error: option '--from <position>' argument 'yesterday' is invalid\. It must be earliest, latest, an ISO 8601 time/,
    ],
    [[], 2, /^error: required option '--target-url <url>' not specified$/],
  ])('forward --topic t %j exits %i with one line', async (args, code, line) => {
    const result = await run(['forward', '--topic', 't', ...args]);
    expect(result.code).toBe(code);
    expect(result.output).toMatch(line);
  });

  it('lists --from and --reset-to with their defaults in --help', async () => {
    const help = (await run(['forward', '--help'])).output.replace(/\s+/g, ' ');
    expect(help).toMatch(
      /--from <position> where a group with no committed offsets starts: .* \(default: earliest\) \(env: FORWARDER_FROM\)/,
    );
    expect(help).toMatch(/--reset-to <position> move --group's committed offsets .* \(default: off\)/);
  });

  it('names a bad FORWARDER_FROM and exits 1', async () => {
    const app = spawnApp('forwarder', ['forward', '--topic', 't', '--target-url', 'http://t/'], {
      FORWARDER_FROM: 'soon',
    });
    expect(await app.exited).toBe(1);
    expect(app.output().trim()).toMatch(
      /^error: option '--from <position>' value 'soon' from env 'FORWARDER_FROM' is invalid\./,
    );
  });
});
