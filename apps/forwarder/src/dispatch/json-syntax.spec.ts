import fc from 'fast-check';
import { isJson } from './json-syntax';

/** What JSON.parse says of the same bytes after UTF-8 decoding: the behaviour isJson replaces. */
function parses(bytes: Buffer): boolean {
  try {
    JSON.parse(bytes.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

describe('isJson', () => {
  it.each([
    '{}',
    '[]',
    '0',
    '-0',
    '1.5e-3',
    '"a"',
    'true',
    'false',
    'null',
    ' {"a": [1, {"b": null}], "c": "\\u00e9\\n"} ',
    '[[[[[]]]]]',
    '"é ☃"',
  ])('accepts %s', (text) => {
    expect(isJson(Buffer.from(text))).toBe(true);
  });

  it.each([
    '',
    ' ',
    '{',
    '}',
    '[1,]',
    '{"a":1,}',
    '{"a"}',
    '{a:1}',
    '01',
    '1.',
    '.5',
    '-',
    '1e',
    '+1',
    'tru',
    'nul',
    '"a',
    '"\\x"',
    '"\\u12g4"',
    '"tab\there"',
    '[1 2]',
    '{} {}',
    'NaN',
    "'a'",
    '[1]]',
    '{"a":1}}',
  ])('refuses %s', (text) => {
    expect(isJson(Buffer.from(text))).toBe(false);
  });

  it('agrees with JSON.parse on any JSON value, however nested', () => {
    fc.assert(
      fc.property(fc.json(), (text) => isJson(Buffer.from(text)) === true),
      { numRuns: 2_000 },
    );
  });

  it('agrees with JSON.parse on JSON with one byte changed, cut or inserted', () => {
    const mutated = fc
      .tuple(fc.json(), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'cut', 'insert'))
      .map(([text, at, byte, how]) => {
        const bytes = [...Buffer.from(text)];
        const i = bytes.length === 0 ? 0 : at % bytes.length;
        if (how === 'set' && bytes.length > 0) bytes[i] = byte;
        else if (how === 'cut') bytes.splice(i, 1);
        else bytes.splice(i, 0, byte);
        return Buffer.from(bytes);
      });
    fc.assert(
      fc.property(mutated, (bytes) => isJson(bytes) === parses(bytes)),
      { numRuns: 5_000 },
    );
  });

  it('agrees with JSON.parse on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => isJson(Buffer.from(text)) === parses(Buffer.from(text))),
      { numRuns: 2_000 },
    );
  });
});
