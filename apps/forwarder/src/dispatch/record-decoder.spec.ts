import {
  SchemaRegistryUnavailableError,
  toWireFormat,
  type RegisteredSchema,
  type SchemaRegistryClient,
} from '@app/schema-registry';
import { Test } from '@nestjs/testing';
import { Type } from 'avsc';
import type { ForwardRecord } from '../transport/forward-record';
import { CLOCK } from './clock';
import { envelopeOf } from './envelope';
import { FakeClock, settle } from '../testing/fake-clock';
import { RecordDecoder, SCHEMA_REGISTRY_CLIENT } from './record-decoder';

const avro = {
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'qty', type: 'int' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'blob', type: 'bytes' },
  ],
};
const schemas: Record<number, RegisteredSchema> = {
  1: { id: 1, type: 'AVRO', schema: JSON.stringify(avro) },
  2: { id: 2, type: 'JSON', schema: '{"type":"object"}' },
};

const record = (value: Buffer | null): ForwardRecord => ({
  topic: 'orders',
  partition: 0,
  offset: 7n,
  key: null,
  value,
  headers: {},
  timestamp: 0,
});

describe('RecordDecoder', () => {
  const byId = jest.fn<Promise<RegisteredSchema | undefined>, [number]>();
  const clock = new FakeClock();
  const pause = jest.fn<() => void, []>();
  const resume = jest.fn();
  let decoder: RecordDecoder;

  beforeEach(async () => {
    byId.mockReset().mockImplementation((id) => Promise.resolve(schemas[id]));
    pause.mockReset().mockReturnValue(resume);
    resume.mockReset();
    const moduleRef = await Test.createTestingModule({
      providers: [
        RecordDecoder,
        {
          provide: SCHEMA_REGISTRY_CLIENT,
          useValue: { byId, displayUrl: 'http://registry' } satisfies Partial<SchemaRegistryClient>,
        },
        { provide: CLOCK, useValue: clock },
      ],
    }).compile();
    decoder = moduleRef.get(RecordDecoder);
  });

  const signal = new AbortController().signal;

  it('decodes Avro to the JSON the target gets, bytes as base64, fetching each schema id once', async () => {
    const value = { id: 'o-1', qty: 2, note: null, blob: Buffer.from([1, 2, 255]) };
    const wire = toWireFormat(1, Type.forSchema(avro as never).toBuffer(value));
    const first = await decoder.decode(record(wire), signal, pause);
    await decoder.decode(record(wire), signal, pause);
    expect(first.outcome).toBe('decoded');
    const decoded = (first as { record: ForwardRecord }).record;
    expect(JSON.parse(decoded.value!.toString())).toEqual({ id: 'o-1', qty: 2, note: null, blob: 'AQL/' });
    expect(JSON.parse(envelopeOf(decoded).toString()).value).toEqual({ id: 'o-1', qty: 2, note: null, blob: 'AQL/' });
    expect(byId).toHaveBeenCalledTimes(1);
  });

  it('passes the JSON of a JSON Schema record, and records not in the wire format, as they are', async () => {
    const json = await decoder.decode(record(toWireFormat(2, '{"a":1}')), signal, pause);
    expect((json as { record: ForwardRecord }).record.value!.toString()).toBe('{"a":1}');
    const plain = record(Buffer.from('{"b":2}'));
    expect(await decoder.decode(plain, signal, pause)).toEqual({ outcome: 'decoded', record: plain });
    expect(await decoder.decode(record(null), signal, pause)).toEqual({ outcome: 'decoded', record: record(null) });
  });

  it.each([
    ['a truncated Avro body', toWireFormat(1, Buffer.from([2, 0x61]))],
    [
      'an Avro body with bytes left over',
      toWireFormat(
        1,
        Buffer.concat([
          Type.forSchema(avro as never).toBuffer({ id: 'x', qty: 1, note: null, blob: Buffer.alloc(0) }),
          Buffer.from([9]),
        ]),
      ),
    ],
    ['a JSON Schema body that is not JSON', toWireFormat(2, 'not json')],
    ['an id the registry does not know', toWireFormat(99, '{}')],
  ])('calls %s undecodable', async (_, value) => {
    const result = await decoder.decode(record(value), signal, pause);
    expect(result.outcome).toBe('undecodable');
  });

  it('holds a record while the registry is away, its partition paused, and decodes it once it answers', async () => {
    byId
      .mockRejectedValueOnce(new SchemaRegistryUnavailableError('down'))
      .mockRejectedValueOnce(new SchemaRegistryUnavailableError('down'));
    const decoding = decoder.decode(record(toWireFormat(2, '{}')), signal, pause);
    await settle();
    expect(pause).toHaveBeenCalledTimes(1);
    await clock.advance(500);
    expect(resume).not.toHaveBeenCalled();
    await clock.advance(1_000);
    expect((await decoding).outcome).toBe('decoded');
    expect(resume).toHaveBeenCalledTimes(1);
    expect(byId).toHaveBeenCalledTimes(3);
  });

  it('gives up holding when the signal aborts (the record is not done)', async () => {
    byId.mockRejectedValue(new SchemaRegistryUnavailableError('down'));
    const stop = new AbortController();
    const decoding = decoder.decode(record(toWireFormat(2, '{}')), stop.signal, pause);
    await settle();
    stop.abort();
    expect(await decoding).toEqual({ outcome: 'aborted' });
    expect(resume).toHaveBeenCalledTimes(1);
  });
});
