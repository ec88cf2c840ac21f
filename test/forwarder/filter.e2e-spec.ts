import { sample } from '../../scripts/shared/metrics';
import { forwarderMetrics, forwarderSuite, forwardTopic } from '../support/forwarder-run';
import { freePort, spawnApp, waitFor } from '../support/processes';

const RECORDS = 200;

describe('forward --filter: a CEL expression chooses the records delivered', () => {
  const { kafka, startTarget } = forwarderSuite();

  it('delivers exactly the matching records and commits past the rest', async () => {
    const topic = await kafka.createTopic('filtered', 3);
    // Types cycle created, paid, cancelled; regions alternate eu, us; every tenth value is not JSON.
    const types = ['order.created', 'order.paid', 'order.cancelled'];
    const records = Array.from({ length: RECORDS }, (_, i) => ({
      key: `k${i % 7}`,
      value: i % 10 === 9 ? `plain ${i}` : JSON.stringify({ type: types[i % 3], i }),
      headers: { region: i % 2 === 0 ? 'eu' : 'us', seq: String(i) },
    }));
    await kafka.produce(topic, records);
    const expected = records
      .filter((r, i) => i % 10 !== 9 && i % 3 === 0 && r.headers.region === 'eu')
      .map((r) => r.headers.seq)
      .sort();
    const target = await startTarget();
    const healthPort = await freePort();

    const forwarder = forwardTopic(topic, target, {
      filter: 'value != null && value.type == "order.created" && headers["region"] == "eu"',
      'health-port': healthPort,
      'stats-interval': 1,
    });
    // Every partition committed to its end: the records filtered out are done too.
    const ends = await kafka.endOffsets(topic);
    await waitFor('offsets committed to the end', async () => {
      const committed = await kafka.committedOffsets(`${topic}-g`, topic);
      return [...ends].every(([partition, end]) => committed.get(partition) === end) || undefined;
    });
    const metrics = await waitFor('the filtered count', async () => {
      const text = await forwarderMetrics(healthPort);
      return sample(text, 'kafka_gateway_forwarder_filtered_total') === RECORDS - expected.length ? text : undefined;
    });
    expect(await forwarder.stop()).toBe(0);

    expect(target.received.map((r) => r.recordHeaders.seq).sort()).toEqual(expected);
    expect(sample(metrics, 'kafka_gateway_forwarder_filter_errors_total')).toBe(0);
    expect(forwarder.output()).toMatch(
      new RegExp(
        `Summary after [\\d.]+s: delivered ${expected.length}, filtered ${RECORDS - expected.length}, dead-lettered 0 `,
      ),
    );
  });

  it('counts a record the expression fails on as not matching, apart, and logs it', async () => {
    const topic = await kafka.createTopic('filter-errors', 1);
    await kafka.produce(topic, [
      { key: 'a', value: '{"n":1}', headers: { tenant: 'acme' } },
      { key: 'b', value: '{"n":2}' },
      { key: 'c', value: '{"n":3}', headers: { tenant: 'other' } },
    ]);
    const target = await startTarget();
    const healthPort = await freePort();
    const forwarder = forwardTopic(topic, target, {
      filter: 'headers["tenant"] == "acme"',
      'health-port': healthPort,
    });
    await waitFor('two records filtered', async () => {
      const text = await forwarderMetrics(healthPort);
      return sample(text, 'kafka_gateway_forwarder_filtered_total') === 2 ? text : undefined;
    });
    const metrics = await forwarderMetrics(healthPort);
    expect(sample(metrics, 'kafka_gateway_forwarder_filter_errors_total')).toBe(1);
    expect(await forwarder.stop()).toBe(0);
    expect(target.received.map((r) => r.key)).toEqual(['a']);
    expect(forwarder.output()).toMatch(/--filter failed on .*-0-1 \(No such key: tenant\): not delivered/);
  });

  it('refuses an invalid expression with exit 2, naming the column', async () => {
    const app = spawnApp(
      'forwarder',
      ['forward', '--topic', 't', '--target-url', 'http://127.0.0.1:9/', '--filter', 'value.type == '],
      {},
    );
    expect(await app.exited).toBe(2);
    expect(app.output().trim()).toMatch(
      /^error: option '--filter <cel>' argument 'value.type == ' is invalid\. It is not a valid CEL filter at column 15: /,
    );
  });
});
