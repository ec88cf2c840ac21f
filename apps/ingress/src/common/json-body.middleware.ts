import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import getRawBody from 'raw-body';
import typeis from 'type-is';
import { INGRESS_CONFIG, type IngressConfig } from '../config/ingress.config';
import { ApiError } from './api-error';
import { BodyLimit } from './body-limit';
import { parseJsonBody } from './json-document';

const JSON_TYPES = ['application/json', 'application/*+json'];
/** Past a refused oversized body the rest is read and dropped, so the client gets its 413; up to this much. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Reads and parses JSON bodies for every route, in place of Express's parser, so each failure has
 * its own stable code: 415 for another media type or any Content-Encoding, 413 over the limit
 * (before reading more than the limit; see BodyLimit), 400 for bad UTF-8 or JSON, nesting deeper than the limit,
 * prototype-pollution keys, or numbers a double cannot hold exactly.
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  constructor(
    @Inject(INGRESS_CONFIG) private readonly config: IngressConfig,
    private readonly bodyLimit: BodyLimit,
  ) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const expectsBody = request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH';
    if (!hasBody(request)) {
      if (!expectsBody) return next();
      const type = request.headers['content-type'];
      return next(
        type !== undefined && !isJsonType(type)
          ? unsupported(type)
          : new ApiError('INVALID_JSON', 'The request body is empty; send a JSON document.'),
      );
    }
    const encoding = unsupportedEncoding(request);
    if (encoding)
      return next(
        new ApiError(
          'UNSUPPORTED_MEDIA_TYPE',
          `Send the body without ${encoding}; compressed bodies are not accepted.`,
        ),
      );
    const type = request.headers['content-type'];
    if (type === undefined || !isJsonType(type)) return next(unsupported(type));
    const { maxJsonDepth, requestTimeoutMs } = this.config;
    const maxBodyBytes = this.bodyLimit.maxBytes;
    let settled = false;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      next(error);
    };
    // Node checks its own requestTimeout only every 30 s; a stalled body is answered on time here.
    const timer = setTimeout(() => {
      response.setHeader('Connection', 'close');
      response.once('finish', () => request.destroy());
      settle(
        new ApiError('REQUEST_TIMEOUT', `The request body did not arrive completely within ${requestTimeoutMs} ms.`),
      );
    }, requestTimeoutMs);
    getRawBody(request, { limit: maxBodyBytes, length: request.headers['content-length'] })
      .then((bytes) => {
        if (settled) return;
        request.body = parseJsonBody(bytes, maxJsonDepth);
        settle();
      })
      .catch((error: unknown) => {
        if (settled) return;
        if ((error as { type?: string }).type === 'entity.too.large') drainAndClose(request, response);
        settle(readError(error, maxBodyBytes));
      });
  }
}

/**
 * Whether the request carries body bytes. `Content-Length: 0` is no body: clients such as Python's
 * requests send it on every DELETE or OPTIONS, which must reach their route (or its 404), not a 415.
 */
function hasBody(request: Request): boolean {
  if (!typeis.hasBody(request)) return false;
  return request.headers['transfer-encoding'] !== undefined || !/^0+$/.test(request.headers['content-length'] ?? '');
}

function isJsonType(contentType: string): boolean {
  let matched: string | false;
  try {
    matched = typeis.is(contentType, JSON_TYPES);
  } catch {
    return false;
  }
  if (!matched) return false;
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1];
  return charset === undefined || /^utf-?8$/i.test(charset);
}

/** Content-Encoding other than identity, or a transfer coding other than chunked. */
function unsupportedEncoding(request: Request): string | undefined {
  const content = request.headers['content-encoding']?.trim().toLowerCase();
  if (content && content !== 'identity') return `Content-Encoding ${truncate(content)}`;
  const transfer = request.headers['transfer-encoding']?.trim().toLowerCase();
  if (transfer && transfer !== 'chunked') return `Transfer-Encoding ${truncate(transfer)}`;
  return undefined;
}

function unsupported(type: string | undefined): ApiError {
  return new ApiError(
    'UNSUPPORTED_MEDIA_TYPE',
    `Send the body as application/json (UTF-8)${type ? `, not ${truncate(type)}` : ''}.`,
  );
}

/**
 * After refusing an oversized body, keeps reading (and dropping) what the client is still sending,
 * up to a bound, so it gets to read the 413 instead of a reset connection; then the connection closes.
 */
function drainAndClose(request: Request, response: Response): void {
  response.setHeader('Connection', 'close');
  let drained = 0;
  request.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_LIMIT_BYTES) request.destroy();
  });
  request.resume();
}

/** What raw-body reports (by its error `type`) as the client's error. */
function readError(error: unknown, maxBytes: number): ApiError {
  if (error instanceof ApiError) return error;
  const type = (error as { type?: string }).type;
  if (type === 'entity.too.large')
    return new ApiError('PAYLOAD_TOO_LARGE', `The body is larger than ${maxBytes} bytes.`);
  if (type === 'request.size.invalid')
    return new ApiError('INVALID_JSON', 'The body is shorter or longer than its Content-Length.');
  return new ApiError('INVALID_JSON', 'The request body could not be read completely.');
}

function truncate(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 77)}...` : clean;
}
