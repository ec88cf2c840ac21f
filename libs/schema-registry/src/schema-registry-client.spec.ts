import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SchemaRegistryClient, SchemaRegistryUnavailableError } from './schema-registry-client';
import { fromWireFormat, toWireFormat } from './wire-format';

describe('SchemaRegistryClient', () => {
  let server: Server;
  let port: number;
  const seen: { url?: string; headers: IncomingHttpHeaders }[] = [];
  let answer: (url: string) => { status: number; body: unknown } = () => ({ status: 200, body: {} });

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url, headers: req.headers });
      const { status, body } = answer(req.url ?? '');
      res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => (seen.length = 0));

  it('reads the latest version of a subject, with basic auth from the URL, which it never shows', async () => {
    answer = () => ({ status: 200, body: { id: 7, version: 2, schema: '{"type":"string"}' } });
    const client = new SchemaRegistryClient({ url: `http://us%40er:p%3Ass@127.0.0.1:${port}/apis/ccompat/v7/` });
    expect(await client.latest('orders-value')).toEqual({ id: 7, type: 'AVRO', schema: '{"type":"string"}' });
    expect(seen[0].url).toBe('/apis/ccompat/v7/subjects/orders-value/versions/latest');
    expect(seen[0].headers.authorization).toBe(`Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
    expect(client.displayUrl).toBe(`http://127.0.0.1:${port}/apis/ccompat/v7`);
  });

  it('reads a schema by id, JSON Schema by its schemaType', async () => {
    answer = () => ({ status: 200, body: { schema: '{}', schemaType: 'JSON' } });
    const client = new SchemaRegistryClient({ url: `http://127.0.0.1:${port}` });
    expect(await client.byId(3)).toEqual({ id: 3, type: 'JSON', schema: '{}' });
    expect(seen[0].url).toBe('/schemas/ids/3');
    expect(seen[0].headers.authorization).toBeUndefined();
  });

  it('takes a 404 as an answer and anything else, or no answer, as the registry being unavailable', async () => {
    const client = new SchemaRegistryClient({ url: `http://127.0.0.1:${port}` });
    answer = () => ({ status: 404, body: { error_code: 40401 } });
    expect(await client.latest('none-value')).toBeUndefined();
    answer = () => ({ status: 500, body: {} });
    await expect(client.byId(1)).rejects.toThrow(SchemaRegistryUnavailableError);
    const away = new SchemaRegistryClient({ url: 'http://127.0.0.1:1', timeoutMs: 500 });
    await expect(away.byId(1)).rejects.toThrow(/did not answer/);
  });
});

describe('the wire format', () => {
  it('is magic byte 0, the id in 4 bytes big-endian, then the body', () => {
    const value = toWireFormat(0x01020304, '{"a":1}');
    expect([...value.subarray(0, 5)]).toEqual([0, 1, 2, 3, 4]);
    expect(fromWireFormat(value)).toEqual({ schemaId: 0x01020304, body: Buffer.from('{"a":1}') });
    expect(fromWireFormat(Buffer.from('{"a":1}'))).toBeUndefined();
    expect(fromWireFormat(Buffer.from([0, 0, 1]))).toBeUndefined();
  });
});
