import { envelopeOf } from './envelope';
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
    expect(JSON.parse(envelopeOf(record({})))).toEqual({
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
    expect(JSON.parse(envelopeOf(record({ value: Buffer.from('plain "text", not json') }))).value).toEqual({
      raw_message: 'plain "text", not json',
    });
  });

  it('keeps JSON scalars and tombstones as they are', () => {
    expect(JSON.parse(envelopeOf(record({ value: Buffer.from('"a string"') }))).value).toBe('a string');
    expect(JSON.parse(envelopeOf(record({ value: Buffer.from('42') }))).value).toBe(42);
    expect(JSON.parse(envelopeOf(record({ value: null, key: null }))).value).toBeNull();
  });

  it('always produces valid JSON, whatever the key and headers hold', () => {
    const body = envelopeOf(
      record({
        key: Buffer.from('quote " backslash \\ newline \n'),
        headers: { 'we"ird': Buffer.from('\u0000\u2028') },
      }),
    );
    expect(JSON.parse(body).key).toBe('quote " backslash \\ newline \n');
  });
});
