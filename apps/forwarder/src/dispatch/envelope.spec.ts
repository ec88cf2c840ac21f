import fc from 'fast-check';
import { arrayOf, envelopeOf, envelopePartsOf } from './envelope';
import { isJson } from './json-syntax';
import type { ForwardRecord } from '../transport/forward-record';

const record = (overrides: Partial<ForwardRecord>): ForwardRecord => ({
  topic: 'orders',
  partition: 2,
  offset: 41n,
  key: Buffer.from('customer-7'),
  value: Buffer.from('{"total": 9.5}'),
  headers: { traceparent: Buffer.from('00-abc-def-01'), source: 'web' },
  timestamp: Date.parse('2026-11-27T10:00:00Z'),
  ...overrides,
});

describe('envelopeOf', () => {
  it('sends the prototype envelope with the value as parsed JSON', () => {
    expect(JSON.parse(envelopeOf(record({})).toString())).toEqual({
      topic: 'orders',
      partition: 2,
      offset: 41,
      key: 'customer-7',
      value: { total: 9.5 },
      headers: { traceparent: '00-abc-def-01', source: 'web' },
      timestamp: '2026-11-27T10:00:00.000Z',
    });
  });

  it('wraps a value that is not JSON as raw_message', () => {
    expect(JSON.parse(envelopeOf(record({ value: Buffer.from('plain "text", not json') })).toString()).value).toEqual({
      raw_message: 'plain "text", not json',
    });
  });

  it('keeps JSON scalars and tombstones as they are', () => {
    expect(JSON.parse(envelopeOf(record({ value: Buffer.from('"a string"') })).toString()).value).toBe('a string');
    expect(JSON.parse(envelopeOf(record({ value: Buffer.from('42') })).toString()).value).toBe(42);
    expect(JSON.parse(envelopeOf(record({ value: null, key: null })).toString()).value).toBeNull();
  });

  it('always produces valid JSON, whatever the key and headers hold', () => {
    const body = envelopeOf(
      record({
        key: Buffer.from('quote " backslash \\ newline \n'),
        headers: { 'we"ird': Buffer.from('\u0000\u2028') },
      }),
    );
    expect(JSON.parse(body.toString()).key).toBe('quote " backslash \\ newline \n');
  });

  describe('bytes', () => {
    /** The envelope as it was built before it became bytes: one string, UTF-8 encoded on the way out. */
    function asString(r: ForwardRecord): Buffer {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(r.headers)) {
        if (value !== undefined) headers[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
      }
      const text = r.value === null ? null : r.value.toString('utf8');
      const value = text === null ? 'null' : isJson(r.value!) ? text : JSON.stringify({ raw_message: text });
      return Buffer.from(
        `{"topic":${JSON.stringify(r.topic)},"partition":${r.partition},"offset":${r.offset}` +
          `,"key":${r.key === null ? 'null' : JSON.stringify(r.key.toString('utf8'))}` +
          `,"value":${value},"headers":${JSON.stringify(headers)}` +
          `,"timestamp":${JSON.stringify(new Date(r.timestamp).toISOString())}}`,
      );
    }

    it('turns bytes that are not UTF-8 inside a JSON value into U+FFFD, as decoding did', () => {
      const value = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xc3]), Buffer.from('"}')]);
      const body = envelopeOf(record({ value }));
      expect(JSON.parse(body.toString()).value).toEqual({ a: '\ufffd\ufffd' });
      expect(body.equals(asString(record({ value })))).toBe(true);
    });

    it('copies a JSON value in UTF-8 as it is, after a key and before headers of several bytes per character', () => {
      const r = record({ key: Buffer.from('clé ☃'), value: Buffer.from('{"name":"Zoë ☃ 🎉"}'), headers: { h: 'ü' } });
      const body = envelopeOf(r);
      expect(body.equals(asString(r))).toBe(true);
      expect(JSON.parse(body.toString())).toMatchObject({
        key: 'clé ☃',
        value: { name: 'Zoë ☃ 🎉' },
        headers: { h: 'ü' },
      });
    });

    it('gives each record its own topic and timestamp, one after the other', () => {
      const first = record({ topic: 'a', timestamp: 0 });
      const second = record({ topic: 'b', timestamp: 1 });
      expect(JSON.parse(envelopeOf(first).toString())).toMatchObject({
        topic: 'a',
        timestamp: '1970-01-01T00:00:00.000Z',
      });
      expect(JSON.parse(envelopeOf(second).toString())).toMatchObject({
        topic: 'b',
        timestamp: '1970-01-01T00:00:00.001Z',
      });
      expect(JSON.parse(envelopeOf(first).toString())).toMatchObject({
        topic: 'a',
        timestamp: '1970-01-01T00:00:00.000Z',
      });
    });

    it('are the bytes of the string envelope for any record, and a batch is the JSON array of them', () => {
      const bytes = fc.oneof(
        fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
        fc.json().map((text) => Buffer.from(text)),
        fc.string({ unit: 'binary' }).map((text) => Buffer.from(JSON.stringify(text))),
        fc.string({ unit: 'binary' }).map((text) => Buffer.from(text)),
        // A JSON string holding any bytes a JSON string may hold, valid UTF-8 or not.
        fc
          .uint8Array({ maxLength: 32 })
          .map((a) =>
            Buffer.from(
              `"${Buffer.from(a.filter((c) => c >= 0x20 && c !== 0x22 && c !== 0x5c)).toString('latin1')}"`,
              'latin1',
            ),
          ),
      );
      const header = fc.oneof(fc.string({ unit: 'binary' }), bytes, fc.constant(undefined));
      const records = fc.record({
        topic: fc.constantFrom('orders', 'événements', 'a"b'),
        partition: fc.nat(100),
        offset: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
        key: fc.option(bytes),
        value: fc.option(bytes),
        headers: fc.dictionary(fc.string({ unit: 'binary' }), header, { maxKeys: 4 }),
        timestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }),
      });
      fc.assert(
        fc.property(records, (r) => envelopeOf(r).equals(asString(r))),
        { numRuns: 3_000 },
      );
      const asArray = (batch: ForwardRecord[]) =>
        Buffer.from(`[${batch.map((r) => asString(r).toString()).join(',')}]`);
      fc.assert(
        fc.property(fc.array(records, { minLength: 1, maxLength: 6 }), (batch) =>
          arrayOf(batch.map(envelopePartsOf)).equals(asArray(batch)),
        ),
        { numRuns: 1_000 },
      );
    });
  });
});
