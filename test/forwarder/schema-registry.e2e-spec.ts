import { Type, type Schema } from 'avsc';
import { connect, createServer, type Server } from 'node:net';
import { freePort } from '../../scripts/shared/system';
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

/**
 * The registry as the forwarder reaches it: a TCP relay on a port of its own, refusing connections
 * until `open()` and relaying them to the registry after. A registry restarted to come back would
 * come back empty (it keeps schemas in memory) and answer 404 for a while, which is not an outage.
 */
class RegistryRelay {
  private server?: Server;

  private constructor(readonly port: number) {}

  static async closed(): Promise<RegistryRelay> {
    return new RegistryRelay(await freePort());
  }

  /** The registry's URL (its path included) by way of the relay. */
  urlOf(registryUrl: string): string {
    const url = new URL(registryUrl);
    url.host = `127.0.0.1:${this.port}`;
    return url.toString().replace(/\/$/, '');
  }

  open(target: string): Promise<void> {
    const { hostname, port } = new URL(target);
    this.server = createServer((client) => {
      const upstream = connect(Number(port), hostname);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    return new Promise((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('forward --schema-registry-url against a real registry', () => {
  const { brokers, kafka, startTarget } = forwarderSuite();
  let registry: TestSchemaRegistry | undefined;
  let relay: RegistryRelay | undefined;
  afterAll(async () => {
    await relay?.close();
    await registry?.stop();
  });

  /** A registry with the topic's schemas, and their ids. */
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
      // Down: the forwarder's registry address refuses connections.
      relay = await RegistryRelay.closed();

      const sink = await startTarget();
      const forwarder = forwardTopic(
        topic,
        sink,
        { workers: 4 },
        {
          SCHEMA_REGISTRY_URL: relay.urlOf(registry!.url),
        },
      );
      await waitFor('the forwarder to hold records for the registry', () =>
        Promise.resolve(/did not answer.*holding/.test(forwarder.output())),
      );
      // Held, its partition paused: nothing delivered, nothing dead-lettered.
      expect(sink.received).toEqual([]);
      expect(await readAll(brokers, `${topic}.dlq`).catch(() => [])).toEqual([]);

      await relay.open(registry!.url);
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
