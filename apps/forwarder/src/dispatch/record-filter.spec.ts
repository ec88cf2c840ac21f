import { Registry } from 'prom-client';
import type { ForwardRecord } from '../transport/forward-record';
import { FakeClock } from '../testing/fake-clock';
import { compileFilter, FilterSyntaxError } from '../filter-expression';
import { RecordFilter } from './record-filter';

const record = (over: Partial<ForwardRecord> = {}): ForwardRecord => ({
  topic: 'orders',
  partition: 2,
  offset: 41n,
  key: Buffer.from('customer-7'),
  value: Buffer.from('{"type":"order.created","amount":12.5,"items":[{"sku":"a"},{"sku":"b"}]}'),
  headers: { region: Buffer.from('eu'), source: 'web' },
  timestamp: Date.parse('2026-03-01T10:00:00Z'),
  ...over,
});

describe('compileFilter', () => {
  it.each([
    ['value.type == "order.created" && headers["region"] == "eu"', true],
    ['value.type == "order.paid"', false],
    ['key == "customer-7" && topic == "orders" && partition == 2 && offset == 41', true],
    ['value.amount > 10 && size(value.items) == 2', true],
    ['timestamp > timestamp("2026-01-01T00:00:00Z")', true],
    ['headers.?country.orValue("none") == "none"', true],
    ['"source" in headers && headers.source == "web"', true],
  ])('evaluates %s over the record', (expression, expected) => {
    expect(compileFilter(expression)(record())).toBe(expected);
  });

  it('sees a value that is not JSON, and a missing key, as null', () => {
    const matches = compileFilter('value == null && key == null');
    expect(matches(record({ value: Buffer.from('not json'), key: null }))).toBe(true);
    expect(matches(record({ value: null, key: null }))).toBe(true);
  });

  it('names the column of a syntax error', () => {
    expect(() => compileFilter('value.type ==')).toThrow(FilterSyntaxError);
    try {
      compileFilter('value.type ==');
    } catch (error) {
      expect((error as FilterSyntaxError).column).toBe(14);
    }
  });

  it('refuses unknown variables and expressions that are not a bool, before any record', () => {
    expect(() => compileFilter('vlaue.type == "a"')).toThrow(/vlaue/);
    expect(() => compileFilter('offset + 1')).toThrow(/not a bool/);
  });

  it('throws on a record the expression fails on', () => {
    expect(() => compileFilter('headers["country"] == "fr"')(record())).toThrow();
  });
});

describe('RecordFilter', () => {
  it('counts non-matching records and evaluation errors, logging the errors at most once a minute', async () => {
    const clock = new FakeClock();
    const registry = new Registry();
    const filter = new RecordFilter(compileFilter('headers["country"] == "fr"'), clock, registry);
    const warn = jest.spyOn(filter['log'], 'warn').mockImplementation(() => undefined);
    const fr = record({ headers: { country: 'fr' } });
    expect(filter.accepts(fr)).toBe(true);
    expect(filter.accepts(record())).toBe(false);
    expect(filter.accepts(record())).toBe(false);
    expect(filter.accepts(record({ headers: { country: 'de' } }))).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    await clock.advance(60_000);
    expect(filter.accepts(record())).toBe(false);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1][0]).toContain('1 more since the last report');
    const metrics = await registry.metrics();
    expect(metrics).toContain('kafka_gateway_forwarder_filtered_total 4');
    expect(metrics).toContain('kafka_gateway_forwarder_filter_errors_total 3');
  });
});
