import type { ErrorCode } from '../../../apps/ingress/src/common/error-codes';

/**
 * Hostile requests for the ingress, kept as data. Each one is sent as exact bytes over a raw
 * socket (test/faults/hostile-input.faults-spec.ts) to an ingress started with
 * INGRESS_MAX_BODY_BYTES=65536, INGRESS_MAX_BATCH_MESSAGES=5, INGRESS_REQUEST_TIMEOUT_MS=3000 and the default
 * INGRESS_MAX_JSON_DEPTH=100, against a topic with 3 partitions.
 *
 * Bodies may name `{{topic}}` (the 3-partition topic; `{{TOPIC}}` in upper case) and `{{missing}}` (a valid name of a topic
 * that does not exist); they are filled in at send time. Huge bodies are described, not stored:
 * `{ repeat, times }` expands to `repeat` written `times` times, `{ bytes }` is raw bytes (for
 * invalid UTF-8), `{ padTo, fill }` pads the whole body to exactly `padTo` bytes.
 *
 * Every expectation is a 4xx with a JSON body `{ success: false, error, code }` and nothing
 * written to Kafka. An entry may carry a `defect` note saying what the ingress is known to do
 * instead, shown with the failure while it does (none does today).
 */

export type Category =
  | 'invalid-json'
  | 'encoding'
  | 'truncated'
  | 'deep-nesting'
  | 'oversize'
  | 'chunked'
  | 'wrong-types'
  | 'partition'
  | 'prototype-keys'
  | 'topic-name'
  | 'record-headers'
  | 'http-headers'
  | 'content-type'
  | 'batch'
  | 'unknown-fields'
  | 'missing-topic'
  | 'routes';

export type BodyPart =
  string | { repeat: string; times: number } | { bytes: number[] } | { padTo: number; fill: string };

export interface Expected {
  status: number;
  code: ErrorCode;
}

export interface HostileRequest {
  name: string;
  category: Category;
  method: string;
  /** Sent verbatim in the request line. */
  path: string;
  /** Sent verbatim, in order, after `Host` and `Connection: close`; may hold CR, LF, NUL or UTF-8. */
  headers: Array<[string, string]>;
  body: BodyPart[];
  /** Send with `Transfer-Encoding: chunked`, split into this many chunks (true: 3). */
  chunked?: boolean | number;
  /** Declared `Content-Length` when it must differ from the body sent; 'none' sends neither it nor chunked framing. */
  contentLength?: number | 'none';
  /** Close our side once the body is sent, as a client that gives up mid-body does. */
  halfClose?: boolean;
  expect: Expected;
  /** Why this entry fails today: what the ingress does instead of the expectation. */
  defect?: string;
}

const INVALID_JSON: Expected = { status: 400, code: 'INVALID_JSON' };
const TOO_DEEP: Expected = { status: 400, code: 'JSON_TOO_DEEP' };
const FORBIDDEN_KEY: Expected = { status: 400, code: 'FORBIDDEN_JSON_KEY' };
const INVALID: Expected = { status: 400, code: 'VALIDATION_FAILED' };
const ROUTE_NOT_FOUND: Expected = { status: 404, code: 'NOT_FOUND' };
const TOPIC_NOT_FOUND: Expected = { status: 404, code: 'TOPIC_NOT_FOUND' };
const PARTITION_NOT_FOUND: Expected = { status: 404, code: 'PARTITION_NOT_FOUND' };
const TOO_LARGE: Expected = { status: 413, code: 'PAYLOAD_TOO_LARGE' };
const UNSUPPORTED: Expected = { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' };
const MALFORMED: Expected = { status: 400, code: 'MALFORMED_REQUEST' };
const TIMED_OUT: Expected = { status: 408, code: 'REQUEST_TIMEOUT' };

const JSON_TYPE: Array<[string, string]> = [['Content-Type', 'application/json']];
const T = '{{topic}}';
const MISSING = '{{missing}}';

type Options = Partial<Omit<HostileRequest, 'name' | 'category' | 'body' | 'expect'>>;

function request(
  category: Category,
  name: string,
  path: string,
  body: string | BodyPart[],
  expect: Expected,
  options: Options = {},
): HostileRequest {
  return {
    name,
    category,
    method: 'POST',
    path,
    headers: JSON_TYPE,
    body: typeof body === 'string' ? [body] : body,
    expect,
    ...options,
  };
}

const produce = (category: Category, name: string, body: string | BodyPart[], expect: Expected, options?: Options) =>
  request(category, name, '/produce', body, expect, options);
const batch = (category: Category, name: string, body: string | BodyPart[], expect: Expected, options?: Options) =>
  request(category, name, '/produce/batch', body, expect, options);
/** A record body with one field replaced (or removed, with `undefined`), written as JSON text. */
const record = (fields: Record<string, unknown>) => JSON.stringify({ topic: T, payload: 1, ...fields });
const json = (value: unknown) => JSON.stringify(value);

const invalidJson: HostileRequest[] = (
  [
    ['a lone opening brace', '{'],
    ['a lone closing brace', '}'],
    ['a key with no value', `{"topic":`],
    ['a trailing comma in an object', `{"topic":"${T}","payload":1,}`],
    ['a trailing comma in an array', `{"topic":"${T}","payload":[1,2,]}`],
    ['single-quoted strings', `{'topic':'${T}','payload':1}`],
    ['unquoted keys', `{topic:"${T}",payload:1}`],
    ['undefined as a value', `{"topic":"${T}","payload":undefined}`],
    ['NaN as a value', `{"topic":"${T}","payload":NaN}`],
    ['Infinity as a value', `{"topic":"${T}","payload":Infinity}`],
    ['-Infinity as a value', `{"topic":"${T}","payload":-Infinity}`],
    ['a hexadecimal number', `{"topic":"${T}","payload":0x10}`],
    ['a number with a leading zero', `{"topic":"${T}","payload":012}`],
    ['a number starting with a dot', `{"topic":"${T}","payload":.5}`],
    ['a number with a plus sign', `{"topic":"${T}","payload":+1}`],
    ['a number ending in a dot', `{"topic":"${T}","payload":1.}`],
    ['an exponent without digits', `{"topic":"${T}","payload":1e}`],
    ['an invalid escape', `{"topic":"${T}","payload":"a\\qb"}`],
    ['a short unicode escape', `{"topic":"${T}","payload":"\\u12"}`],
    ['a raw control character in a string', `{"topic":"${T}","payload":"a\u0001b"}`],
    ['a raw newline in a string', `{"topic":"${T}","payload":"line\nbreak"}`],
    ['a raw tab in a key', `{"top\tic":"${T}","payload":1}`],
    ['two documents back to back', `{"topic":"${T}","payload":1}{"topic":"${T}","payload":2}`],
    ['trailing garbage after the document', `{"topic":"${T}","payload":1} trailing`],
    ['a line comment', `// comment\n{"topic":"${T}","payload":1}`],
    ['a block comment', `{"topic":"${T}",/* c */"payload":1}`],
    ['a missing colon', `{"topic" "${T}","payload":1}`],
    ['a misspelt literal true', `{"topic":"${T}","payload":tru}`],
    ['a capitalised True', `{"topic":"${T}","payload":True}`],
    ['a bare word', 'hello'],
    ['an unclosed array', '["unclosed"'],
    ['a NUL byte', '\u0000'],
    ['only whitespace', '  \n\t\r\n '],
    ['only a byte order mark', '\ufeff'],
    ['a JSON text inside a string', `"{\\"topic\\":\\"${T}\\",\\"payload\\":1}"x`],
    ['a property name that is a number', `{1:"${T}"}`],
  ] as const
).map(([name, body]) => produce('invalid-json', name, body, INVALID_JSON));

invalidJson.push(
  produce('invalid-json', 'an empty body with Content-Length: 0', '', INVALID_JSON),
  produce('invalid-json', 'no body and no Content-Length', '', INVALID_JSON, { contentLength: 'none' }),
  produce('invalid-json', 'no body and no Content-Length, charset=utf-8', '', INVALID_JSON, {
    contentLength: 'none',
    headers: [['Content-Type', 'application/json; charset=utf-8']],
  }),
  produce(
    'invalid-json',
    'a UTF-16LE body declared as JSON',
    [{ bytes: [...Buffer.from(`\ufeff{"topic":"x","payload":1}`, 'utf16le')] }],
    INVALID_JSON,
  ),
  produce(
    'invalid-json',
    'a gzip body with Content-Encoding: gzip',
    [{ bytes: [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xab, 0xae, 0x05, 0x00] }],
    UNSUPPORTED,
    {
      headers: [...JSON_TYPE, ['Content-Encoding', 'gzip']],
    },
  ),
);

const encoding: HostileRequest[] = [
  produce(
    'encoding',
    'invalid UTF-8 bytes in the topic',
    [`{"topic":"top`, { bytes: [0xff, 0xfe] }, `ic","payload":1}`],
    INVALID_JSON,
  ),
  produce(
    'encoding',
    'an overlong UTF-8 slash in the topic',
    [`{"topic":"a`, { bytes: [0xc0, 0xaf] }, `b","payload":1}`],
    INVALID_JSON,
  ),
  produce('encoding', 'a lone surrogate escape in the topic', `{"topic":"\\ud800","payload":1}`, INVALID),
  produce('encoding', 'a lone surrogate escape in a header name', record({ headers: { '\ud800': 'x' } }), INVALID),
  produce(
    'encoding',
    'invalid UTF-8 bytes in the payload',
    [`{"topic":"${T}","payload":"bad `, { bytes: [0xff, 0xfe, 0xc3, 0x28] }, `"}`],
    INVALID_JSON,
  ),
  produce(
    'encoding',
    'an overlong UTF-8 encoding in the key',
    [`{"topic":"${T}","key":"k`, { bytes: [0xc0, 0xaf] }, `","payload":1}`],
    INVALID_JSON,
  ),
  produce(
    'encoding',
    'a UTF-8-encoded surrogate in a header value',
    [`{"topic":"${T}","payload":1,"headers":{"h":"`, { bytes: [0xed, 0xa0, 0x80] }, `"}}`],
    INVALID_JSON,
  ),
];

const truncated: HostileRequest[] = [
  ...(
    [
      ['cut inside a key', `{"topic":"${T}","pay`],
      ['cut inside a literal', `{"topic":"${T}","payload":tr`],
      ['cut inside a string', `{"topic":"${T}","payload":"abc`],
      ['cut inside an exponent', `{"topic":"${T}","payload":12e`],
      ['cut inside a nested array', `{"topic":"${T}","payload":{"a":[1,2`],
      ['cut inside a unicode escape', `{"topic":"${T}","payload":"\\u00`],
      ['cut after a backslash', `{"topic":"${T}","payload":"\\`],
      ['cut before the closing brace', `{"topic":"${T}","payload":1`],
      ['cut after a minus sign', `{"topic":"${T}","payload":-`],
      ['cut after a colon', `{"topic":"${T}","payload":`],
    ] as const
  ).map(([name, body]) => produce('truncated', `a body ${name}`, body, INVALID_JSON)),
  produce(
    'truncated',
    'a body shorter than its Content-Length, the connection left open (INGRESS_REQUEST_TIMEOUT_MS)',
    `{"topic":"${T}","payload":1}`,
    TIMED_OUT,
    {
      contentLength: 100,
    },
  ),
  produce(
    'truncated',
    'a body longer than its Content-Length, the rest not HTTP (the first request is answered)',
    '{"topic":"x"}NOT HTTP\r\n\r\n',
    INVALID,
    {
      contentLength: 13,
    },
  ),
  produce(
    'truncated',
    'a body shorter than its Content-Length, then the client closes',
    `{"topic":"${T}","payload":1}`,
    MALFORMED,
    {
      contentLength: 4096,
      halfClose: true,
    },
  ),
  produce(
    'truncated',
    'a chunked body cut inside its first chunk, then the client closes',
    `20\r\n{"topic":"x","pay`,
    MALFORMED,
    {
      contentLength: 'none',
      headers: [...JSON_TYPE, ['Transfer-Encoding', 'chunked']],
      halfClose: true,
    },
  ),
];

const nest = (open: string, close: string, depth: number, inner = '1'): BodyPart[] => [
  { repeat: open, times: depth },
  inner,
  { repeat: close, times: depth },
];

const deepNesting: HostileRequest[] = [
  produce(
    'deep-nesting',
    '10 000 nested arrays in the payload',
    [`{"topic":"${T}","payload":`, ...nest('[', ']', 10_000, ''), '}'],
    TOO_DEEP,
  ),
  produce(
    'deep-nesting',
    '10 000 nested objects in the payload',
    [`{"topic":"${T}","payload":`, ...nest('{"":', '}', 10_000), '}'],
    TOO_DEEP,
  ),
  produce('deep-nesting', '10 000 nested arrays as the whole body', nest('[', ']', 10_000, ''), TOO_DEEP),
  produce(
    'deep-nesting',
    '10 000 nested arrays as the key',
    [`{"topic":"${T}","payload":1,"key":`, ...nest('[', ']', 10_000, ''), '}'],
    TOO_DEEP,
  ),
  produce(
    'deep-nesting',
    '10 000 nested arrays as the topic',
    ['{"topic":', ...nest('[', ']', 10_000, `"${T}"`), ',"payload":1}'],
    TOO_DEEP,
  ),
  produce(
    'deep-nesting',
    '10 000 nested objects in headers',
    [`{"topic":"${T}","payload":1,"headers":`, ...nest('{"h":', '}', 10_000, '"v"'), '}'],
    TOO_DEEP,
  ),
  produce(
    'deep-nesting',
    '30 000 nested arrays (60 KB, under the body limit)',
    [`{"topic":"${T}","payload":`, ...nest('[', ']', 30_000, ''), '}'],
    TOO_DEEP,
  ),
  produce(
    'deep-nesting',
    'one level over the limit (101)',
    [`{"topic":"${T}","payload":`, ...nest('[', ']', 100, ''), '}'],
    TOO_DEEP,
  ),
  produce(
    'deep-nesting',
    '10 000 unclosed arrays',
    [`{"topic":"${T}","payload":`, { repeat: '[', times: 10_000 }],
    INVALID_JSON,
  ),
  produce(
    'deep-nesting',
    'a __proto__ key under 5 000 levels',
    [`{"topic":"${T}","payload":`, ...nest('{"a":', '}', 5_000, '{"__proto__":{"polluted":true}}'), '}'],
    FORBIDDEN_KEY,
  ),
  produce(
    'deep-nesting',
    '1 000 000 nested arrays (2 MB, over the body limit)',
    [`{"topic":"${T}","payload":`, ...nest('[', ']', 1_000_000, ''), '}'],
    TOO_LARGE,
  ),
  batch(
    'deep-nesting',
    '10 000 nested arrays in a batch payload',
    [`{"topic":"${T}","messages":[{"payload":`, ...nest('[', ']', 10_000, ''), '}]}'],
    TOO_DEEP,
  ),
  batch(
    'deep-nesting',
    '10 000 nested arrays as messages',
    [`{"topic":"${T}","messages":`, ...nest('[', ']', 10_000, '{"payload":1}'), '}'],
    TOO_DEEP,
  ),
  request(
    'deep-nesting',
    '10 000 nested arrays sent to the webhook simulator',
    '/webhook-simulator?minDelayMs=0&maxDelayMs=0&failRate=0',
    nest('[', ']', 10_000, ''),
    TOO_DEEP,
  ),
];

const oversize: HostileRequest[] = [
  produce(
    'oversize',
    'a 70 000-character payload string',
    [`{"topic":"${T}","payload":"`, { repeat: 'x', times: 70_000 }, '"}'],
    TOO_LARGE,
  ),
  produce(
    'oversize',
    'a 3 MB payload string',
    [`{"topic":"${T}","payload":"`, { repeat: 'x', times: 3_000_000 }, '"}'],
    TOO_LARGE,
  ),
  produce(
    'oversize',
    'an 8 MB payload string of multi-byte characters',
    [`{"topic":"${T}","payload":"`, { repeat: 'é', times: 4_000_000 }, '"}'],
    TOO_LARGE,
  ),
  produce(
    'oversize',
    'a 100 000-element payload array',
    [`{"topic":"${T}","payload":[`, { repeat: '0,', times: 99_999 }, '0]}'],
    TOO_LARGE,
  ),
  batch(
    'oversize',
    'a batch of 100 000 messages',
    [`{"topic":"${T}","messages":[`, { repeat: '{"payload":0},', times: 99_999 }, '{"payload":0}]}'],
    TOO_LARGE,
  ),
  produce(
    'oversize',
    'a 70 000-character key',
    [`{"topic":"${T}","payload":1,"key":"`, { repeat: 'k', times: 70_000 }, '"}'],
    TOO_LARGE,
  ),
  produce(
    'oversize',
    'a 70 000-character topic',
    ['{"topic":"', { repeat: 't', times: 70_000 }, '","payload":1}'],
    TOO_LARGE,
  ),
  produce(
    'oversize',
    'a 70 000-character header value',
    [`{"topic":"${T}","payload":1,"headers":{"h":"`, { repeat: 'v', times: 70_000 }, '"}}'],
    TOO_LARGE,
  ),
  produce(
    'oversize',
    '70 000 spaces before a small document',
    [{ repeat: ' ', times: 70_000 }, `{"topic":"${T}","payload":1}`],
    TOO_LARGE,
  ),
  produce(
    'oversize',
    'a body of exactly the limit plus one byte',
    [`{"topic":"${T}","payload":"`, { padTo: 65_537, fill: 'x' }, '"}'],
    TOO_LARGE,
  ),
  produce('oversize', 'a Content-Length of 10^14 with a small body', `{"topic":"${T}","payload":1}`, TOO_LARGE, {
    contentLength: 100_000_000_000_000,
  }),
  produce(
    'oversize',
    'a Content-Length just over the limit with a small body',
    `{"topic":"${T}","payload":1}`,
    TOO_LARGE,
    { contentLength: 65_537 },
  ),
  produce(
    'oversize',
    '200 000 empty strings in an array',
    [`{"topic":"${T}","payload":[`, { repeat: '"",', times: 199_999 }, '""]}'],
    TOO_LARGE,
  ),
  request(
    'oversize',
    'a 3 MB body sent to the webhook simulator',
    '/webhook-simulator',
    ['"', { repeat: 'x', times: 3_000_000 }, '"'],
    TOO_LARGE,
  ),
];

const chunked: HostileRequest[] = [
  produce(
    'chunked',
    '70 KB in 3 chunks',
    [`{"topic":"${T}","payload":"`, { repeat: 'x', times: 70_000 }, '"}'],
    TOO_LARGE,
    { chunked: 3 },
  ),
  produce(
    'chunked',
    '3 MB in 50 chunks',
    [`{"topic":"${T}","payload":"`, { repeat: 'x', times: 3_000_000 }, '"}'],
    TOO_LARGE,
    { chunked: 50 },
  ),
  produce(
    'chunked',
    '70 KB in 2 000 small chunks',
    [`{"topic":"${T}","payload":"`, { repeat: 'x', times: 70_000 }, '"}'],
    TOO_LARGE,
    { chunked: 2_000 },
  ),
  batch(
    'chunked',
    'a batch of 100 000 messages in 20 chunks',
    [`{"topic":"${T}","messages":[`, { repeat: '{"payload":0},', times: 99_999 }, '{"payload":0}]}'],
    TOO_LARGE,
    { chunked: 20 },
  ),
  produce('chunked', 'invalid JSON in 4 chunks', `{"topic":"${T}","payload":[1,2,3,}`, INVALID_JSON, { chunked: 4 }),
  produce(
    'chunked',
    '10 000 nested arrays in 10 chunks',
    [`{"topic":"${T}","payload":`, ...nest('[', ']', 10_000, ''), '}'],
    TOO_DEEP,
    { chunked: 10 },
  ),
  produce(
    'chunked',
    'a __proto__ key split across chunks',
    `{"topic":"${T}","payload":{"__proto__":{"polluted":true}}}`,
    FORBIDDEN_KEY,
    { chunked: 5 },
  ),
  produce('chunked', 'a missing payload in 3 chunks', `{"topic":"${T}"}`, INVALID, { chunked: 3 }),
  produce('chunked', 'an empty chunked body', '', INVALID_JSON, { chunked: 1 }),
  produce('chunked', 'a chunk size that is not hexadecimal', '5\r\n{"top\r\nzz\r\nabc\r\n0\r\n\r\n', MALFORMED, {
    contentLength: 'none',
    headers: [...JSON_TYPE, ['Transfer-Encoding', 'chunked']],
  }),
  produce('chunked', 'a chunk size that overflows 64 bits', 'ffffffffffffffffff\r\n{}\r\n0\r\n\r\n', MALFORMED, {
    contentLength: 'none',
    headers: [...JSON_TYPE, ['Transfer-Encoding', 'chunked']],
  }),
  produce(
    'chunked',
    'Transfer-Encoding: chunked together with Content-Length',
    `{"topic":"${T}","payload":1}`,
    MALFORMED,
    {
      headers: [...JSON_TYPE, ['Content-Length', '5']],
      chunked: 2,
    },
  ),
];

const wrongTypes: HostileRequest[] = [
  ...(
    [
      ['topic missing', record({ topic: undefined })],
      ['topic null', record({ topic: null })],
      ['topic a number', record({ topic: 42 })],
      ['topic true', record({ topic: true })],
      ['topic an empty array', record({ topic: [] })],
      ['topic an array holding the name', record({ topic: [T] })],
      ['topic an object', record({ topic: { name: T } })],
      ['topic a Mongo-style operator', record({ topic: { $ne: null } })],
      ['key a number', record({ key: 7 })],
      ['key true', record({ key: true })],
      ['key an object', record({ key: { id: 1 } })],
      ['key an array', record({ key: ['k'] })],
      ['key a fraction', record({ key: 1.5 })],
      ['payload missing', record({ payload: undefined })],
      ['payload missing, with key and headers', record({ payload: undefined, key: 'k', headers: { a: 'b' } })],
      ['payload misspelt "Payload"', record({ payload: undefined, Payload: 1 })],
      ['headers a string', record({ headers: 'source: web' })],
      ['headers a number', record({ headers: 1 })],
      ['headers true', record({ headers: true })],
      ['headers an array of strings', record({ headers: ['a', 'b'] })],
      ['headers an array of pairs', record({ headers: [['a', 'b']] })],
      ['a header value that is a number', record({ headers: { a: 1 } })],
      ['a header value that is null', record({ headers: { a: null } })],
      ['a header value that is an object', record({ headers: { a: {} } })],
      ['a header value that is an array', record({ headers: { a: ['x'] } })],
      ['a header value that is true', record({ headers: { a: true } })],
      ['every field wrong at once', json({ topic: 1, key: 2, headers: 3, partition: 'x' })],
      ['a duplicate topic key whose last value is illegal', `{"topic":"${T}","payload":1,"topic":"bad topic"}`],
      ['a duplicate key field whose last value is a number', `{"topic":"${T}","key":"k","payload":1,"key":5}`],
      ['an empty object', '{}'],
    ] as const
  ).map(([name, body]) => produce('wrong-types', name, body, INVALID)),
  ...(
    [
      ['an array', `[{"topic":"${T}","payload":1}]`],
      ['an empty array', '[]'],
      ['a string', '"text"'],
      ['a number', '42'],
      ['null', 'null'],
      ['true', 'true'],
    ] as const
  ).map(([name, body]) => produce('wrong-types', `a body that is ${name}`, body, INVALID)),
  batch('wrong-types', 'a batch body that is an array', `[{"payload":1}]`, INVALID),
  batch('wrong-types', 'a batch body that is null', 'null', INVALID),
];

const partition: HostileRequest[] = [
  ...(
    [
      ['-1', -1],
      ['-2147483648', -2147483648],
      ['0.5', 0.5],
      ['1.5', 1.5],
      ['2.000001', 2.000001],
      ['2147483648 (2^31)', 2147483648],
      ['9007199254740992 (2^53)', 9007199254740992],
      ['1e20', 1e20],
      ['the string "0"', '0'],
      ['the string "1"', '1'],
      ['an empty string', ''],
      ['true', true],
      ['an empty array', []],
      ['an array [1]', [1]],
      ['an object', { id: 1 }],
    ] as const
  ).map(([name, value]) => produce('partition', `partition ${name}`, record({ partition: value }), INVALID)),
  // As text: a number literal here would be rounded to 2^53 before it is sent; the ingress refuses the rounding.
  produce(
    'partition',
    'partition 9007199254740993 (over 2^53)',
    `{"topic":"${T}","payload":1,"partition":9007199254740993}`,
    INVALID_JSON,
  ),
  produce(
    'partition',
    'partition 1e400 (Infinity once parsed)',
    `{"topic":"${T}","payload":1,"partition":1e400}`,
    INVALID_JSON,
  ),
  produce('partition', 'partition -1e400', `{"topic":"${T}","payload":1,"partition":-1e400}`, INVALID_JSON),
  produce('partition', 'partition 3 (one past the last)', record({ partition: 3 }), PARTITION_NOT_FOUND),
  produce('partition', 'partition 7', record({ partition: 7 }), PARTITION_NOT_FOUND),
  produce('partition', 'partition 7 with a key', record({ partition: 7, key: 'k' }), PARTITION_NOT_FOUND),
  produce(
    'partition',
    'partition 1000 written as 1e3',
    `{"topic":"${T}","payload":1,"partition":1e3}`,
    PARTITION_NOT_FOUND,
  ),
  produce(
    'partition',
    'partition 2147483647 (the largest int32)',
    record({ partition: 2147483647 }),
    PARTITION_NOT_FOUND,
  ),
  produce(
    'partition',
    'a duplicate partition key whose last value is 7',
    `{"topic":"${T}","payload":1,"partition":0,"partition":7}`,
    PARTITION_NOT_FOUND,
  ),
];

const prototypeKeys: HostileRequest[] = (
  [
    ['__proto__ at the top level', `{"__proto__":{"polluted":true},"topic":"${T}","payload":1}`],
    ['__proto__ at the top level with a null value', `{"topic":"${T}","payload":1,"__proto__":null}`],
    ['__proto__ in the payload', `{"topic":"${T}","payload":{"__proto__":{"polluted":true}}}`],
    [
      '__proto__ three levels down the payload',
      `{"topic":"${T}","payload":{"a":{"b":{"__proto__":{"polluted":true}}}}}`,
    ],
    ['__proto__ inside an array in the payload', `{"topic":"${T}","payload":[1,{"__proto__":{"polluted":true}}]}`],
    ['__proto__ inside __proto__', `{"topic":"${T}","payload":{"__proto__":{"__proto__":{"polluted":true}}}}`],
    ['__proto__ as a record header name', `{"topic":"${T}","payload":1,"headers":{"__proto__":"x"}}`],
    ['__proto__ with whitespace before the colon', `{"topic":"${T}","payload":{"__proto__" \n\t :{"polluted":true}}}`],
    ['__proto__ with one escaped underscore', `{"topic":"${T}","payload":{"\\u005f_proto__":{"polluted":true}}}`],
    [
      '__proto__ fully escaped',
      `{"topic":"${T}","payload":{"\\u005f\\u005f\\u0070\\u0072\\u006f\\u0074\\u006f\\u005f\\u005f":{"polluted":true}}}`,
    ],
    [
      '__proto__ escaped in upper-case hex',
      `{"topic":"${T}","payload":{"\\u005F\\u005Fproto\\u005F\\u005F":{"polluted":true}}}`,
    ],
    [
      'constructor.prototype at the top level',
      `{"topic":"${T}","payload":1,"constructor":{"prototype":{"polluted":true}}}`,
    ],
    [
      'constructor.prototype in the payload',
      `{"topic":"${T}","payload":{"constructor":{"prototype":{"polluted":true}}}}`,
    ],
    [
      'constructor.prototype four levels down',
      `{"topic":"${T}","payload":{"a":[{"b":{"constructor":{"prototype":{"polluted":true}}}}]}}`,
    ],
    ['constructor.prototype with a null prototype', `{"topic":"${T}","payload":{"constructor":{"prototype":null}}}`],
    [
      'constructor.prototype as record headers',
      `{"topic":"${T}","payload":1,"headers":{"constructor":{"prototype":"x"}}}`,
    ],
    ['constructor escaped', `{"topic":"${T}","payload":{"\\u0063onstructor":{"prototype":{"polluted":true}}}}`],
    ['prototype escaped', `{"topic":"${T}","payload":{"constructor":{"\\u0070rototype":{"polluted":true}}}}`],
  ] as const
)
  .map(([name, body]) => produce('prototype-keys', name, body, FORBIDDEN_KEY))
  .concat(
    batch(
      'prototype-keys',
      '__proto__ in a batch message',
      `{"topic":"${T}","messages":[{"payload":1},{"payload":1,"__proto__":{"polluted":true}}]}`,
      FORBIDDEN_KEY,
    ),
    batch(
      'prototype-keys',
      '__proto__ in the fifth batch payload',
      `{"topic":"${T}","messages":[{"payload":1},{"payload":2},{"payload":3},{"payload":4},{"payload":{"x":{"__proto__":{}}}}]}`,
      FORBIDDEN_KEY,
    ),
    batch(
      'prototype-keys',
      'constructor.prototype at the top of a batch',
      `{"topic":"${T}","messages":[{"payload":1}],"constructor":{"prototype":{}}}`,
      FORBIDDEN_KEY,
    ),
    request(
      'prototype-keys',
      '__proto__ sent to the webhook simulator',
      '/webhook-simulator?minDelayMs=0&maxDelayMs=0&failRate=0',
      '{"__proto__":{"polluted":true}}',
      FORBIDDEN_KEY,
    ),
  );

const topicName: HostileRequest[] = (
  [
    ['empty', ''],
    ['"."', '.'],
    ['".."', '..'],
    ['a single space', ' '],
    ['with a space inside', 'my topic'],
    ['with a leading space', ' orders'],
    ['with a trailing newline', 'orders\n'],
    ['with a tab', 'ord\ters'],
    ['with a NUL character', 'orders\u0000'],
    ['with an accented letter', 'tópico'],
    ['in Cyrillic', 'тема'],
    ['in Chinese', '话题'],
    ['an emoji', '😀'],
    ['in full-width letters', 'ｏｒｄｅｒｓ'],
    ['with a zero-width space', 'ord\u200bers'],
    ['with a slash', 'orders/eu'],
    ['a path traversal', '../../etc/passwd'],
    ['with a backslash', 'orders\\eu'],
    ['with a colon', 'orders:eu'],
    ['with a comma', 'orders,payments'],
    ['with a glob star', 'orders*'],
    ['with a dollar sign', '$orders'],
    ['percent-encoded', '%2e%2e'],
    ['250 characters', 'a'.repeat(250)],
    ['1 000 characters', 'b'.repeat(1_000)],
  ] as const
)
  .map(([name, topic]) => produce('topic-name', `a topic ${name}`, record({ topic }), INVALID))
  .concat(
    batch(
      'topic-name',
      'a batch to a topic with a slash',
      json({ topic: 'orders/eu', messages: [{ payload: 1 }] }),
      INVALID,
    ),
  );

const recordHeaders: HostileRequest[] = (
  [
    ['a header name with CR', { 'a\rb': 'x' }],
    ['a header name with LF', { 'a\nb': 'x' }],
    ['a header name with CRLF and a second header', { 'a\r\nX-Injected: 1': 'x' }],
    ['a header name with NUL', { 'a\u0000b': 'x' }],
    ['a header name with a space', { 'a b': 'x' }],
    ['a header name with a colon', { 'a:b': 'x' }],
    ['a header name with a tab', { 'a\tb': 'x' }],
    ['a header name with a double quote', { 'a"b': 'x' }],
    ['a header name with parentheses', { '(a)': 'x' }],
    ['a header name with an accented letter', { café: 'x' }],
    ['a header name in Cyrillic', { ключ: 'x' }],
    ['a header name that is an emoji', { '🔑': 'x' }],
    ['a header name with DEL', { 'a\u007fb': 'x' }],
    ['an empty header name', { '': 'x' }],
    ['a 256-character header name', { ['h'.repeat(256)]: 'x' }],
    ['a header value with CR', { a: 'x\ry' }],
    ['a header value with LF', { a: 'x\ny' }],
    ['a header value with CRLF and an injected header', { a: 'x\r\nSet-Cookie: session=evil' }],
    ['a header value with NUL', { a: 'x\u0000y' }],
    ['a header value with SOH', { a: 'x\u0001y' }],
    ['a header value with ESC (a terminal escape)', { a: '\u001b[31mred' }],
    ['a header value with a tab', { a: 'x\ty' }],
    ['a header value with DEL', { a: 'x\u007fy' }],
    ['a header value with NEL (U+0085)', { a: 'x\u0085y' }],
    ['a header value with CSI (U+009B)', { a: 'x\u009by' }],
    ['a header value with LINE SEPARATOR (U+2028)', { a: 'x\u2028y' }],
    ['a header value with PARAGRAPH SEPARATOR (U+2029)', { a: 'x\u2029y' }],
    ['a header value of 8 193 characters', { a: 'v'.repeat(8_193) }],
    ['101 headers', Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`h${i}`, 'v']))],
    ['a good header next to a bad one', { good: 'yes', 'bad name': 'x' }],
  ] as const
).map(([name, headers]) => produce('record-headers', name, record({ headers }), INVALID));

/** Requests Node's HTTP parser refuses before the ingress sees them. */
const httpHeaders: HostileRequest[] = (
  [
    ['a bare CR inside an HTTP header value', ['X-Note', 'a\rb']],
    ['a bare LF inside an HTTP header value', ['X-Note', 'a\nb']],
    ['a NUL inside an HTTP header value', ['X-Note', 'a\u0000b']],
    ['a control character inside an HTTP header value', ['X-Note', 'a\u0001b']],
    ['DEL inside an HTTP header value', ['X-Note', 'a\u007fb']],
    ['a space inside an HTTP header name', ['X Note', 'a']],
    ['a CR inside an HTTP header name', ['X\rNote', 'a']],
    ['a non-ASCII HTTP header name', ['X-Notë', 'a']],
    ['an empty HTTP header name', ['', 'a']],
    ['a folded HTTP header line', ['X-Note', 'a\r\n  folded']],
    ['Content-Length that is not a number', ['Content-Length', 'abc']],
    ['a negative Content-Length', ['Content-Length', '-1']],
  ] as const
).map(([name, header]) =>
  produce('http-headers', name, `{"topic":"${T}","payload":1}`, MALFORMED, {
    headers: [...JSON_TYPE, header as unknown as [string, string]],
    ...(name.includes('Content-Length') ? { contentLength: 'none' as const } : {}),
  }),
);
httpHeaders.push(
  produce('http-headers', 'two different Content-Length headers', `{"topic":"${T}","payload":1}`, MALFORMED, {
    headers: [...JSON_TYPE, ['Content-Length', '2'], ['Content-Length', '28']],
    contentLength: 'none',
  }),
  request('http-headers', 'an unknown HTTP method', '/produce', `{"topic":"${T}","payload":1}`, MALFORMED, {
    method: 'FOO',
  }),
  produce(
    'http-headers',
    'an Expect header other than 100-continue',
    `{"topic":"${T}","payload":1}`,
    { status: 417, code: 'EXPECTATION_FAILED' },
    { headers: [...JSON_TYPE, ['Expect', 'bogus']] },
  ),
  produce(
    'http-headers',
    '20 KB of HTTP headers',
    `{"topic":"${T}","payload":1}`,
    { status: 431, code: 'HEADERS_TOO_LARGE' },
    { headers: [...JSON_TYPE, ['X-Big', 'x'.repeat(20_000)]] },
  ),
  produce(
    'http-headers',
    'UTF-8 in an HTTP header value (accepted), with a missing payload',
    `{"topic":"${T}"}`,
    INVALID,
    { headers: [...JSON_TYPE, ['X-Note', 'café ☕']] },
  ),
  produce(
    'http-headers',
    'Latin-1 bytes in Content-Type parameters, with a missing payload',
    `{"topic":"${T}"}`,
    INVALID,
    { headers: [['Content-Type', 'application/json; x=caf\u00e9']] },
  ),
  produce('http-headers', 'Expect: 100-continue, with a missing payload', `{"topic":"${T}"}`, INVALID, {
    headers: [...JSON_TYPE, ['Expect', '100-continue']],
  }),
  produce('http-headers', '200 extra HTTP headers, with a missing payload', `{"topic":"${T}"}`, INVALID, {
    headers: [...JSON_TYPE, ...Array.from({ length: 200 }, (_, i): [string, string] => [`X-Extra-${i}`, 'v'])],
  }),
);

const withType = (type: string | undefined) =>
  type === undefined ? [] : ([['Content-Type', type]] as Array<[string, string]>);
const contentType: HostileRequest[] = (
  [
    ['no Content-Type', undefined],
    ['an empty Content-Type', ''],
    ['text/plain', 'text/plain'],
    ['text/json', 'text/json'],
    ['text/html', 'text/html'],
    ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded'],
    ['multipart/form-data', 'multipart/form-data; boundary=x'],
    ['application/xml', 'application/xml'],
    ['application/octet-stream', 'application/octet-stream'],
    ['application/jsonx', 'application/jsonx'],
    ['a bare "json"', 'json'],
    ['a wildcard */*', '*/*'],
    ['a wildcard application/*', 'application/*'],
    ['a lone semicolon', ';'],
    ['a list of two types', 'application/json, text/plain'],
    ['charset=latin1', 'application/json; charset=latin1'],
    ['charset=iso-8859-1', 'application/json; charset=iso-8859-1'],
    ['charset=utf-16', 'application/json; charset=utf-16'],
    ['charset=UTF-16LE', 'application/json; charset=UTF-16LE'],
    ['charset=utf-32', 'application/json; charset=utf-32'],
    ['a quoted charset="utf-16"', 'application/json; charset="utf-16"'],
    ['charset=us-ascii', 'application/json; charset=us-ascii'],
    ['charset=latin1 before charset=utf-8', 'application/json; charset=latin1; charset=utf-8'],
  ] as const
).map(([name, type]) =>
  produce('content-type', name, `{"topic":"${T}","payload":1}`, UNSUPPORTED, { headers: withType(type) }),
);
contentType.push(
  produce('content-type', 'text/plain with an empty body', '', UNSUPPORTED, { headers: withType('text/plain') }),
  batch('content-type', 'a batch as text/plain', `{"topic":"${T}","messages":[{"payload":1}]}`, UNSUPPORTED, {
    headers: withType('text/plain'),
  }),
  batch('content-type', 'a batch with no Content-Type', `{"topic":"${T}","messages":[{"payload":1}]}`, UNSUPPORTED, {
    headers: [],
  }),
  produce('content-type', 'text/plain sent in chunks', `{"topic":"${T}","payload":1}`, UNSUPPORTED, {
    headers: withType('text/plain'),
    chunked: 3,
  }),
  request('content-type', 'text/plain with a body on GET /produce', '/produce', 'hello', UNSUPPORTED, {
    method: 'GET',
    headers: withType('text/plain'),
  }),
);

const batches: HostileRequest[] = [
  ...(
    [
      ['an empty batch', { messages: [] }],
      ['6 messages, over the limit of 5', { messages: Array.from({ length: 6 }, (_, i) => ({ payload: i })) }],
      [
        '4 000 messages, over the limit but under the body limit',
        { messages: Array.from({ length: 4_000 }, () => ({ payload: 0 })) },
      ],
      ['messages missing', {}],
      ['messages null', { messages: null }],
      ['messages an object', { messages: { payload: 1 } }],
      ['messages an array-like object', { messages: { length: 1, 0: { payload: 1 } } }],
      ['messages a string', { messages: 'payload' }],
      ['messages a number', { messages: 1 }],
      ['messages true', { messages: true }],
      ['a null message', { messages: [null] }],
      ['a number as a message', { messages: [1] }],
      ['a string as a message', { messages: ['x'] }],
      ['an array as a message', { messages: [[{ payload: 1 }]] }],
      ['true as a message', { messages: [true] }],
      ['an empty message', { messages: [{}] }],
      ['a good message then one without payload', { messages: [{ payload: 1 }, { key: 'k' }] }],
      ['a message with a topic field', { messages: [{ payload: 1, topic: T }] }],
      ['a message with an unknown field', { messages: [{ payload: 1, extra: true }] }],
      ['a message with payload misspelt', { messages: [{ paylaod: 1 }] }],
      ['a message with a numeric key', { messages: [{ payload: 1, key: 5 }] }],
      ['a message with headers as an array', { messages: [{ payload: 1, headers: ['a'] }] }],
      ['a message with a CRLF header value', { messages: [{ payload: 1, headers: { a: 'x\r\ny' } }] }],
      ['a message with partition -1', { messages: [{ payload: 1 }, { payload: 2, partition: -1 }] }],
      ['a message with partition "1"', { messages: [{ payload: 1, partition: '1' }] }],
      ['a key at the batch level', { key: 'k', messages: [{ payload: 1 }] }],
      ['a payload at the batch level', { payload: 1, messages: [{ payload: 1 }] }],
      ['"message" instead of "messages"', { message: [{ payload: 1 }] }],
      [
        '5 good messages and 1 bad',
        { messages: [...Array.from({ length: 5 }, (_, i) => ({ payload: i })), { payload: 5, key: 1 }] },
      ],
    ] as const
  ).map(([name, fields]) => batch('batch', name, json({ topic: T, ...fields }), INVALID)),
  batch('batch', 'topic missing', json({ messages: [{ payload: 1 }] }), INVALID),
  batch('batch', 'topic an array', json({ topic: [T], messages: [{ payload: 1 }] }), INVALID),
  batch('batch', 'topic ".."', json({ topic: '..', messages: [{ payload: 1 }] }), INVALID),
  batch(
    'batch',
    'every message at partition 7',
    json({
      topic: T,
      messages: [
        { payload: 1, partition: 7 },
        { payload: 2, partition: 7 },
      ],
    }),
    PARTITION_NOT_FOUND,
  ),
  batch(
    'batch',
    'messages at partitions 3 and 2147483647',
    json({
      topic: T,
      messages: [
        { payload: 1, partition: 3 },
        { payload: 2, partition: 2147483647 },
      ],
    }),
    PARTITION_NOT_FOUND,
  ),
  batch('batch', 'invalid JSON in a batch', `{"topic":"${T}","messages":[{"payload":1},]}`, INVALID_JSON),
  batch('batch', 'an empty batch body', '', INVALID_JSON),
];

const unknownFields: HostileRequest[] = [
  ...(
    [
      ['an extra field', { extra: true }],
      ['a misspelt payload next to a missing one', { payload: undefined, paylaod: 1 }],
      ['"Topic" next to "topic"', { Topic: 'other' }],
      ['"value" next to "payload"', { value: 'x' }],
      ['"timestamp"', { timestamp: 0 }],
      ['"partitions"', { partitions: [0] }],
      ['"messages" on /produce', { messages: [{ payload: 1 }] }],
      ['"then" (a thenable body)', { then: 'x' }],
      ['an empty field name', { '': 1 }],
      ['a field with a space', { 'pay load': 1 }],
    ] as const
  ).map(([name, fields]) => produce('unknown-fields', name, record(fields), INVALID)),
  ...(['constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', '__defineGetter__'] as const).map((field) =>
    produce(
      'unknown-fields',
      `"${field}" (an Object.prototype name)`,
      `{"topic":"${T}","payload":"unknown-field-${field}","${field}":"x"}`,
      INVALID,
    ),
  ),
  batch(
    'unknown-fields',
    '"constructor" in a batch message (an Object.prototype name)',
    `{"topic":"${T}","messages":[{"payload":"unknown-field-batch","constructor":"x"}]}`,
    INVALID,
  ),
];

const missingTopic: HostileRequest[] = [
  produce('missing-topic', 'a topic that does not exist', json({ topic: MISSING, payload: 1 }), TOPIC_NOT_FOUND),
  produce(
    'missing-topic',
    'a topic that does not exist, with a key and headers',
    json({ topic: MISSING, key: 'k', payload: 1, headers: { a: 'b' } }),
    TOPIC_NOT_FOUND,
  ),
  produce(
    'missing-topic',
    'a topic that does not exist, at partition 0',
    json({ topic: MISSING, payload: 1, partition: 0 }),
    TOPIC_NOT_FOUND,
  ),
  produce(
    'missing-topic',
    'a topic that does not exist, at partition 7',
    json({ topic: MISSING, payload: 1, partition: 7 }),
    TOPIC_NOT_FOUND,
  ),
  produce(
    'missing-topic',
    'a 249-character topic that does not exist',
    json({ topic: 'm'.repeat(249), payload: 1 }),
    TOPIC_NOT_FOUND,
  ),
  produce('missing-topic', 'a topic named "__proto__"', json({ topic: '__proto__', payload: 1 }), TOPIC_NOT_FOUND),
  produce('missing-topic', 'a topic named "constructor"', json({ topic: 'constructor', payload: 1 }), TOPIC_NOT_FOUND),
  produce('missing-topic', 'the topic name in upper case', json({ topic: '{{TOPIC}}', payload: 1 }), TOPIC_NOT_FOUND),
  batch(
    'missing-topic',
    'a batch to a topic that does not exist',
    json({ topic: MISSING, messages: [{ payload: 1 }, { payload: 2 }] }),
    TOPIC_NOT_FOUND,
  ),
  batch(
    'missing-topic',
    'a batch of 5 to a topic that does not exist',
    json({ topic: MISSING, messages: Array.from({ length: 5 }, (_, i) => ({ payload: i })) }),
    TOPIC_NOT_FOUND,
  ),
];

const routes: HostileRequest[] = [
  request('routes', 'GET /produce', '/produce', '', ROUTE_NOT_FOUND, {
    method: 'GET',
    headers: [],
    contentLength: 'none',
  }),
  request('routes', 'PUT /produce with a valid record', '/produce', json({ topic: T, payload: 1 }), ROUTE_NOT_FOUND, {
    method: 'PUT',
  }),
  request('routes', 'PATCH /produce with a valid record', '/produce', json({ topic: T, payload: 1 }), ROUTE_NOT_FOUND, {
    method: 'PATCH',
  }),
  request('routes', 'DELETE /produce/batch', '/produce/batch', '', ROUTE_NOT_FOUND, {
    method: 'DELETE',
    headers: [],
    contentLength: 'none',
  }),
  request('routes', 'OPTIONS /produce', '/produce', '', ROUTE_NOT_FOUND, {
    method: 'OPTIONS',
    headers: [],
    contentLength: 'none',
  }),
  request('routes', 'TRACE /produce', '/produce', '', ROUTE_NOT_FOUND, {
    method: 'TRACE',
    headers: [],
    contentLength: 'none',
  }),
  request(
    'routes',
    'POST /produce/batch/extra with a valid batch',
    '/produce/batch/extra',
    json({ topic: T, messages: [{ payload: 1 }] }),
    ROUTE_NOT_FOUND,
  ),
  request('routes', 'POST /produce/../produce', '/produce/../produce', json({ topic: T, payload: 1 }), ROUTE_NOT_FOUND),
  request('routes', 'POST /%70roduce (percent-encoded)', '/%70roduce', json({ topic: T, payload: 1 }), ROUTE_NOT_FOUND),
  request('routes', 'POST /nowhere', '/nowhere', json({ topic: T, payload: 1 }), ROUTE_NOT_FOUND),
  request('routes', 'POST /health', '/health', '{}', ROUTE_NOT_FOUND),
  request('routes', 'POST * (asterisk form)', '*', json({ topic: T, payload: 1 }), ROUTE_NOT_FOUND),
  request('routes', 'a malformed percent-escape in the path', '/produce%ZZ', json({ topic: T, payload: 1 }), INVALID),
  request('routes', 'PUT /produce with invalid JSON (the body is read before routing)', '/produce', '{', INVALID_JSON, {
    method: 'PUT',
  }),
  request(
    'routes',
    'invalid JSON to the webhook simulator',
    '/webhook-simulator?minDelayMs=0&maxDelayMs=0&failRate=0',
    '{"a":',
    INVALID_JSON,
  ),
  request(
    'routes',
    'a query with an unknown field to the webhook simulator',
    '/webhook-simulator?minDelayMs=0&maxDelayMs=0&failRate=0&foo=1',
    '{}',
    INVALID,
  ),
  request(
    'routes',
    'a delay over the maximum to the webhook simulator',
    '/webhook-simulator?maxDelayMs=1e9',
    '{}',
    INVALID,
  ),
  request(
    'routes',
    'a failRate that is not a number to the webhook simulator',
    '/webhook-simulator?failRate=NaN',
    '{}',
    INVALID,
  ),
  request(
    'routes',
    'a query __proto__ to the webhook simulator',
    '/webhook-simulator?minDelayMs=0&maxDelayMs=0&failRate=0&__proto__=1',
    '{}',
    INVALID,
  ),
  produce('routes', 'a query string on /produce is ignored, the body still validated', '{}', INVALID, {
    path: '/produce?topic=x&payload=1',
  }),
  request(
    'routes',
    'a query constructor key to the webhook simulator',
    '/webhook-simulator?minDelayMs=0&maxDelayMs=0&failRate=0&constructor=1',
    '{}',
    INVALID,
  ),
];

export const HOSTILE_CORPUS: HostileRequest[] = [
  ...invalidJson,
  ...encoding,
  ...truncated,
  ...deepNesting,
  ...oversize,
  ...chunked,
  ...wrongTypes,
  ...partition,
  ...prototypeKeys,
  ...topicName,
  ...recordHeaders,
  ...httpHeaders,
  ...contentType,
  ...batches,
  ...unknownFields,
  ...missingTopic,
  ...routes,
];

export interface Placeholders {
  topic: string;
  missing: string;
}

/** The exact body bytes of an entry, placeholders filled in and descriptions expanded. */
export function bodyBytes(entry: HostileRequest, values: Placeholders): Buffer {
  const fill = (text: string) =>
    text
      .replaceAll('{{topic}}', values.topic)
      .replaceAll('{{TOPIC}}', values.topic.toUpperCase())
      .replaceAll('{{missing}}', values.missing);
  const parts = entry.body.map((part) => {
    if (typeof part === 'string') return Buffer.from(fill(part), 'utf8');
    if ('repeat' in part) return Buffer.from(part.repeat.repeat(part.times), 'utf8');
    if ('bytes' in part) return Buffer.from(part.bytes);
    return part;
  });
  const fixed = parts.reduce((sum, part) => sum + (Buffer.isBuffer(part) ? part.length : 0), 0);
  return Buffer.concat(
    parts.map((part) => (Buffer.isBuffer(part) ? part : Buffer.alloc(Math.max(0, part.padTo - fixed), part.fill))),
  );
}
