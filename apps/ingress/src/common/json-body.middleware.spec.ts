import type { Request, Response } from 'express';
import { PassThrough } from 'node:stream';
import { inspect } from 'node:util';
import type { IngressConfig } from '../config/ingress.config';
import { ApiError } from './api-error';
import type { BodyLimit } from './body-limit';
import { JsonBodyMiddleware } from './json-body.middleware';

const MAX_BODY_BYTES = 1_000;
const MAX_DEPTH = 4;

interface Sent {
  method?: string;
  headers?: Record<string, string>;
  /** Body chunks; the stream ends after them unless `end` is false. */
  body?: Array<string | Buffer>;
  end?: boolean;
  /** Something that happens to the stream after the body (e.g. the client goes away). */
  after?: (stream: PassThrough) => void;
}

interface Outcome {
  error?: ApiError;
  body: unknown;
  responseHeaders: Record<string, string>;
}

/** Runs the middleware on a request stream and reports what it handed to `next`. */
function send(
  { method = 'POST', headers = {}, body = [], end = true, after }: Sent,
  requestTimeoutMs = 10_000,
): Promise<Outcome> {
  const middleware = new JsonBodyMiddleware(
    { maxJsonDepth: MAX_DEPTH, requestTimeoutMs } as IngressConfig,
    { maxBytes: MAX_BODY_BYTES } as BodyLimit,
  );
  const stream = new PassThrough();
  const request = Object.assign(stream, { method, headers: lowerCased(headers) }) as unknown as Request & PassThrough;
  const responseHeaders: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string) => (responseHeaders[name] = value),
    once: () => response,
  } as unknown as Response;
  return new Promise((resolve, reject) => {
    middleware.use(request, response, (error?: unknown) => {
      if (error !== undefined && !(error instanceof ApiError))
        return reject(new Error(`next() got something other than an ApiError: ${inspect(error)}`));
      resolve({ error, body: request.body, responseHeaders });
    });
    for (const chunk of body) stream.write(chunk);
    if (end) stream.end();
    after?.(stream);
  });
}

function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/** A JSON POST with a correct Content-Length. */
function json(text: string | Buffer, headers: Record<string, string> = {}): Sent {
  return {
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers },
    body: [text],
  };
}

async function errorOf(sent: Sent, requestTimeoutMs?: number): Promise<ApiError> {
  const { error } = await send(sent, requestTimeoutMs);
  if (!error) throw new Error('the middleware accepted the request');
  return error;
}

describe('JsonBodyMiddleware', () => {
  describe('accepts', () => {
    it('a JSON object, parsed onto request.body', async () => {
      await expect(send(json('{"topic":"orders","payload":{"id":1}}'))).resolves.toMatchObject({
        error: undefined,
        body: { topic: 'orders', payload: { id: 1 } },
      });
    });

    it('a chunked body and an +json media type with charset utf-8', async () => {
      const sent = {
        headers: { 'content-type': 'application/vnd.api+json; charset=UTF-8', 'transfer-encoding': 'chunked' },
        body: ['{"a":', '[1,2]}'],
      };
      await expect(send(sent)).resolves.toMatchObject({ error: undefined, body: { a: [1, 2] } });
    });

    it('a byte order mark before the JSON', async () => {
      await expect(send(json('\ufeff{"a":1}'))).resolves.toMatchObject({ error: undefined, body: { a: 1 } });
    });

    it('keys named constructor, and large integers written as strings or with an exponent', async () => {
      const text = '{"constructor":{"name":"x"},"id":"9007199254740993","big":1e20}';
      await expect(send(json(text))).resolves.toMatchObject({
        error: undefined,
        body: { constructor: { name: 'x' }, id: '9007199254740993', big: 1e20 },
      });
    });

    it('nesting exactly at the limit', async () => {
      await expect(send(json('{"a":{"b":{"c":{}}}}'))).resolves.toMatchObject({ error: undefined });
    });

    it('a request without a body on a method that takes none, untouched', async () => {
      await expect(send({ method: 'GET' })).resolves.toMatchObject({ error: undefined, body: undefined });
      await expect(send({ method: 'DELETE', headers: { 'content-length': '0' } })).resolves.toMatchObject({
        error: undefined,
        body: undefined,
      });
    });
  });

  describe('refuses, each with its own code', () => {
    it.each([
      ['a POST without a body', { headers: {} }, /empty; send a JSON document/],
      [
        'a POST with Content-Length: 0',
        { headers: { 'content-type': 'application/json', 'content-length': '0' } },
        /empty; send a JSON document/,
      ],
      ['a body of only white space', json('  \n '), /empty; send a JSON document/],
      ['bytes that are not UTF-8', json(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d])), /not valid UTF-8/],
      ['a syntax error', json('{"a":'), /not valid JSON: /],
      ['a number that overflows a double', json('{"a":[1,1e400]}'), /number out of range at a\[1\]/],
      ['an integer a double would round', json('{"a":{"id":9007199254740993}}'), /integer at a\.id beyond 2\^53/],
    ])('%s: 400 INVALID_JSON', async (_, sent, message) => {
      const error = await errorOf(sent);
      expect([error.status, error.code]).toEqual([400, 'INVALID_JSON']);
      expect(error.message).toMatch(message);
    });

    it('names the field of a rounded integer in details', async () => {
      const error = await errorOf(json('[0,{"id":-9007199254740993}]'));
      expect(error.details).toEqual([
        { field: '[1].id', message: 'integers beyond 9007199254740991 cannot be kept exactly; send them as strings' },
      ]);
    });

    it.each([
      ['a __proto__ key', '{"a":{"__proto__":{"x":1}}}'],
      ['an escaped __proto__ key', '{"\\u005f_proto__":{}}'],
      ['a constructor.prototype key', '{"constructor":{"prototype":{"x":1}}}'],
      ['a __proto__ key after a byte order mark', '\ufeff{"__proto__":{}}'],
    ])('%s: 400 FORBIDDEN_JSON_KEY', async (_, text) => {
      const error = await errorOf(json(text));
      expect([error.status, error.code]).toEqual([400, 'FORBIDDEN_JSON_KEY']);
    });

    it('nesting deeper than the limit: 400 JSON_TOO_DEEP', async () => {
      const error = await errorOf(json('{"a":{"b":{"c":{"d":[]}}}}'));
      expect([error.status, error.code, error.message]).toEqual([
        400,
        'JSON_TOO_DEEP',
        'The JSON nests deeper than 4 levels.',
      ]);
    });

    it.each([
      ['no Content-Type', { 'content-length': '2' }, /^Send the body as application\/json \(UTF-8\)\.$/],
      ['text/plain', { 'content-type': 'text/plain', 'content-length': '2' }, /not text\/plain/],
      [
        'JSON in another charset',
        { 'content-type': 'application/json; charset=latin1', 'content-length': '2' },
        /not application\/json; charset=latin1/,
      ],
      ['an unparseable Content-Type', { 'content-type': '/', 'content-length': '2' }, /not \//],
      [
        'a Content-Encoding',
        { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': '2' },
        /without Content-Encoding gzip/,
      ],
      [
        'a transfer coding other than chunked',
        { 'content-type': 'application/json', 'transfer-encoding': 'gzip, chunked' },
        /without Transfer-Encoding gzip, chunked/,
      ],
    ])('a body with %s: 415 UNSUPPORTED_MEDIA_TYPE', async (_, headers, message) => {
      const error = await errorOf({ headers, body: ['{}'] });
      expect([error.status, error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
      expect(error.message).toMatch(message);
    });

    it('a POST without a body but with another media type: 415, not 400', async () => {
      const error = await errorOf({ headers: { 'content-type': 'text/csv' } });
      expect(error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('a body over the limit: 413 PAYLOAD_TOO_LARGE, and the connection closes after the answer', async () => {
      const { error, responseHeaders } = await send(json(`{"a":"${'x'.repeat(MAX_BODY_BYTES)}"}`));
      expect([error?.status, error?.code, error?.message]).toEqual([
        413,
        'PAYLOAD_TOO_LARGE',
        `The body is larger than ${MAX_BODY_BYTES} bytes.`,
      ]);
      expect(responseHeaders.Connection).toBe('close');
    });

    it('a body shorter than its Content-Length: 400 INVALID_JSON', async () => {
      const error = await errorOf({
        headers: { 'content-type': 'application/json', 'content-length': '10' },
        body: ['{}'],
      });
      expect([error.code, error.message]).toEqual([
        'INVALID_JSON',
        'The body is shorter or longer than its Content-Length.',
      ]);
    });

    it('a body cut off by the client: 400 INVALID_JSON', async () => {
      const sent: Sent = {
        headers: { 'content-type': 'application/json', 'content-length': '10' },
        body: ['{"a'],
        end: false,
        after: (stream) => stream.emit('aborted'),
      };
      const error = await errorOf(sent);
      expect([error.code, error.message]).toEqual(['INVALID_JSON', 'The request body could not be read completely.']);
    });

    it('a body that does not arrive in time: 408 REQUEST_TIMEOUT, and the connection closes', async () => {
      const { error, responseHeaders } = await send(
        { headers: { 'content-type': 'application/json', 'content-length': '10' }, body: ['{"a'], end: false },
        30,
      );
      expect([error?.status, error?.code, error?.message]).toEqual([
        408,
        'REQUEST_TIMEOUT',
        'The request body did not arrive completely within 30 ms.',
      ]);
      expect(responseHeaders.Connection).toBe('close');
    });
  });
});
