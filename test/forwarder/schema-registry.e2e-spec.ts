import { Type, type Schema } from 'avsc';
import { forwarderSuite, forwardTopic, waitForDeliveries } from '../support/forwarder-run';
import { readAll } from '../support/kcat';
import { waitFor } from '../support/processes';
import { REGISTRY_START_TIMEOUT_MS, TestSchemaRegistry } from '../support/schema-registry';

const ORDER_AVRO = {
  type: 'record',
  name: 'Order',
  namespace: 'gateway.tests',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'qty', type: 'int' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};
const NOTE_JSON = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { text: { type: 'string' } },
};

/** The Confluent wire format, written here by hand: magic byte 0, 4-byte schema id, body. */
function wire(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

describe('forward --schema-registry-url against a real registry', () => {
  const { brokers, kafka, startTarget } = forwarderSuite();
  let registry: TestSchemaRegistry | undefined;
  afterAll(() => registry?.stop());

  /** A fresh (in-memory) registry given the same schemas in the same order hands out the same ids. */
  async function registryWith(topic: string): Promise<{ avro: number; json: number }> {
    registry = await TestSchemaRegistry.start();
    const avro = await registry.register(`${topic}-value`, ORDER_AVRO, 'AVRO');
    const json = await registry.register(`${topic}-notes-value`, NOTE_JSON, 'JSON');
    return { avro, json };
  }

  it(
    'holds wire-format records while the registry is down, then delivers Avro as JSON and dead-letters a corrupt body as undecodable',
    async () => {
      const topic = await kafka.createTopic('registry-forward', 1);
      const ids = await registryWith(topic);
      const orders = Type.forSchema(ORDER_AVRO as Schema);
      const values = [
        { id: 'o-1', qty: 1, note: null },
        { id: 'o-2', qty: 2, note: 'gift' },
        { id: 'o-3', qty: 3, note: null },
      ];
      const corrupt = wire(ids.avro, orders.toBuffer(values[0]).subarray(0, 3));
      await kafka.produce(topic, [
        ...values.map((value, i) => ({ key: `k${i}`, value: wire(ids.avro, orders.toBuffer(value)) })),
        { key: 'json', value: wire(ids.json, Buffer.from('{"text":"hello"}')) },
        { key: 'plain', value: '{"plain":true}' },
        { key: 'corrupt', value: corrupt },
      ]);
      await registry!.stop();

      const sink = await startTarget();
      const forwarder = forwardTopic(topic, sink, { workers: 4 }, { SCHEMA_REGISTRY_URL: registry!.url });
      await waitFor('the forwarder to hold records for the registry', () =>
        Promise.resolve(/did not answer.*holding/.test(forwarder.output())),
      );
      // Held, its partition paused: nothing delivered, nothing dead-lettered.
      expect(sink.received).toEqual([]);
      expect(await readAll(brokers, `${topic}.dlq`).catch(() => [])).toEqual([]);

      expect(await registryWith(topic)).toEqual(ids);
      await waitForDeliveries(sink, 5, forwarder, 90_000);
      const byKey = new Map(sink.received.filter((r) => r.status === 200).map((r) => [r.key, r.value]));
      expect(Object.fromEntries(byKey)).toEqual({
        k0: values[0],
        k1: values[1],
        k2: values[2],
        json: { text: 'hello' },
        plain: { plain: true },
      });

      const deadLetters = await waitFor('the corrupt record in the dead-letter topic', async () => {
        const found = await readAll(brokers, `${topic}.dlq`).catch(() => []);
        return found.length > 0 ? found : undefined;
      });
      expect(deadLetters).toHaveLength(1);
      expect(deadLetters[0]).toMatchObject({ key: 'corrupt' });
      expect(deadLetters[0].headers).toMatchObject({ 'dlq-reason': 'undecodable', 'dlq-attempts': '0' });
      expect(deadLetters[0].headers['dlq-error']).toMatch(/schema id \d+/);
      expect(forwarder.output()).toMatch(/answers again/);
    },
    REGISTRY_START_TIMEOUT_MS,
  );
});
