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

  describe('long strings (found by indexOf, not walked byte by byte)', () => {
    const long = 'x'.repeat(2_000);

    it.each([
      ['a long string', `"${long}"`],
      ['escapes inside and at both ends', `"\\n${long}\\"${long}\\u00e9${long}\\\\"`],
      ['an escaped quote right before the closing one', `{"a":"${long}\\"","b":"${long}"}`],
      ['a backslash in one member and none in the next', `{"a":"\\t","b":"${long}","c":"${long}"}`],
      ['multi-byte characters', `"${'é☃'.repeat(500)}"`],
    ])('accepts %s', (_, text) => {
      expect(parses(Buffer.from(text))).toBe(true);
      expect(isJson(Buffer.from(text))).toBe(true);
    });

    it.each([
      ['a control byte deep inside', `"${long}\u0001${long}"`],
      ['a control byte right before the closing quote', `"${long}\u001f"`],
      ['a control byte right after an escape', `"${long}\\n\n${long}"`],
      ['a raw newline in a later string', `["${long}","a\nb"]`],
      ['a bad escape far from the start', `"${long}\\q"`],
      ['a short \\u escape at the end', `"${long}\\u12"`],
      ['a lone backslash at the end of the buffer', `"${long}\\`],
      ['an unterminated string', `"${long}`],
      ['an escaped quote as the only quote', `"${long}\\"`],
      ['an unterminated member name', `{"${long}`],
    ])('refuses %s', (_, text) => {
      expect(parses(Buffer.from(text))).toBe(false);
      expect(isJson(Buffer.from(text))).toBe(false);
    });

    it('looks only inside the bytes it is given, not the buffer around them', () => {
      const whole = Buffer.from(`"${long}" `);
      expect(isJson(whole.subarray(0, whole.length - 2))).toBe(false);
      expect(isJson(whole.subarray(0, whole.length - 1))).toBe(true);
    });

    it('agrees with JSON.parse on long strings with escapes, control bytes and quotes mixed in', () => {
      const piece = fc.oneof(
        { weight: 6, arbitrary: fc.string({ minLength: 20, maxLength: 200 }) },
        fc.constantFrom('\\', '\\"', '\\n', '\\u00e9', '\\u12', '\\x', '"', '\n', '\u0000', '\u001f', 'é', '\\\\'),
      );
      const text = fc.array(piece, { maxLength: 30 }).map((pieces) => `["${pieces.join('')}"]`);
      fc.assert(
        fc.property(text, (json) => isJson(Buffer.from(json)) === parses(Buffer.from(json))),
        { numRuns: 3_000 },
      );
    });
  });

  it('finds a control byte anywhere in a long string, at any alignment, and lets bytes from 0x7f up pass', () => {
    const backing = Buffer.alloc(304);
    for (let start = 0; start < 4; start++) {
      for (let at = 1; at < 299; at++) {
        for (const byte of [0x00, 0x01, 0x1f, 0x20, 0x7f, 0x80, 0xa0, 0xff]) {
          const text = backing.subarray(start, start + 300).fill(0x61);
          text[0] = text[299] = 0x22;
          text[at] = byte;
          expect({ start, at, byte, json: isJson(text) }).toEqual({ start, at, byte, json: byte >= 0x20 });
        }
      }
    }
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
