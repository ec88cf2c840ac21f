import { byPosition, readAll, readAt } from '../support/kcat';
import { TestKafka, testBrokers } from '../support/kafka-admin';
import { postJson } from '../support/http';
import { startIngress, stopAll, type AppProcess } from '../support/processes';
import { deliveredAnswer } from '../support/produce-answer';

describe('POST /produce and /produce/batch against a real broker', () => {
  const brokers = testBrokers();
  const kafka = new TestKafka(brokers);
  let ingress: AppProcess;
  let topic: string;

  beforeAll(async () => {
    ingress = await startIngress({ KAFKA_BROKERS: brokers });
    topic = await kafka.createTopic('produce', 3);
  });
  afterAll(stopAll);

  it('answers 200 with the partition and offset where an independent reader finds the record', async () => {
    const response = await postJson(`${ingress.url}/produce`, {
      topic,
      key: 'order-1',
      payload: { id: 1, items: ['a', 'b'], total: 9.5, note: 'ünïcode ✓' },
      headers: { 'x-source': 'tests', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(deliveredAnswer(topic));
    expect(new Date(response.body.timestamp).toISOString()).toBe(response.body.timestamp);

    const record = await readAt(brokers, topic, response.body.partition, response.body.offset);
    expect(record).toMatchObject({
      key: 'order-1',
      value: JSON.stringify({ id: 1, items: ['a', 'b'], total: 9.5, note: 'ünïcode ✓' }),
      headers: { 'x-source': 'tests', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
  });

  it('writes any JSON value as payload, and a null key as no key', async () => {
    for (const payload of ['text', 42, null, [1, { a: true }], false]) {
      const response = await postJson(`${ingress.url}/produce`, { topic, key: null, payload });
      expect(response.status).toBe(200);
      const record = await readAt(brokers, topic, response.body.partition, response.body.offset);
      expect(record).toMatchObject({ key: null, value: JSON.stringify(payload) });
    }
  });

  it('honours an explicit partition', async () => {
    const response = await postJson(`${ingress.url}/produce`, { topic, partition: 2, payload: { pinned: true } });
    expect(response.body).toMatchObject({ success: true, partition: 2 });
    expect(await readAt(brokers, topic, 2, response.body.offset)).toMatchObject({ value: '{"pinned":true}' });
  });

  it('gives each of 300 concurrent requests its own acknowledged position, and keeps keys on one partition', async () => {
    const sent = Array.from({ length: 300 }, (_, i) => ({ topic, key: `key-${i % 7}`, payload: { i } }));
    const responses = await Promise.all(sent.map((body) => postJson(`${ingress.url}/produce`, body)));
    expect(responses.map((r) => r.status)).toEqual(sent.map(() => 200));

    const positions = responses.map((r) => `${r.body.partition}/${r.body.offset}`);
    expect(new Set(positions).size).toBe(300);
    const partitionOfKey = new Map<string, number>();
    responses.forEach((r, i) => {
      const key = sent[i].key;
      expect(partitionOfKey.get(key) ?? r.body.partition).toBe(r.body.partition);
      partitionOfKey.set(key, r.body.partition);
    });

    const onDisk = byPosition(await readAll(brokers, topic));
    responses.forEach((r, i) => {
      expect(onDisk.get(positions[i])).toMatchObject({ key: sent[i].key, value: JSON.stringify(sent[i].payload) });
    });
  });

  it('answers a batch with 200 and one result per message, in order', async () => {
    const messages = Array.from({ length: 50 }, (_, i) => ({
      key: `b-${i}`,
      payload: { n: i },
      headers: { seq: String(i) },
    }));
    const response = await postJson(`${ingress.url}/produce/batch`, { topic, messages });
    expect(response.status).toBe(200);
    expect(response.body.success).toBe(true);
    expect(response.body.results).toHaveLength(50);
    const onDisk = byPosition(await readAll(brokers, topic));
    response.body.results.forEach((result: { success: boolean; partition: number; offset: number }, i: number) => {
      expect(result.success).toBe(true);
      expect(onDisk.get(`${result.partition}/${result.offset}`)).toMatchObject({
        key: `b-${i}`,
        value: JSON.stringify({ n: i }),
        headers: { seq: String(i) },
      });
    });
  });

  it('answers 207, never 200, when only some messages of a batch are written', async () => {
    const response = await postJson(`${ingress.url}/produce/batch`, {
      topic,
      messages: [{ payload: 'first' }, { payload: 'nowhere', partition: 99 }, { payload: 'third' }],
    });
    expect(response.status).toBe(207);
    expect(response.body.success).toBe(false);
    const [first, second, third] = response.body.results;
    expect(first).toMatchObject({ success: true, partition: expect.any(Number), offset: expect.any(Number) });
    expect(second).toMatchObject({
      success: false,
      code: 'PARTITION_NOT_FOUND',
      error: expect.stringContaining('partition 99'),
    });
    expect(third).toMatchObject({ success: true });
    expect(await readAt(brokers, topic, first.partition, first.offset)).toMatchObject({ value: '"first"' });
    expect(await readAt(brokers, topic, third.partition, third.offset)).toMatchObject({ value: '"third"' });
  });
});
