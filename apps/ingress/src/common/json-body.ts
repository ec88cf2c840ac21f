import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import getRawBody from 'raw-body';
import sjson from 'secure-json-parse';
import { INGRESS_CONFIG, type IngressConfig } from '../config/ingress.config';
import { ApiError } from './api-error';

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * Reads and parses JSON bodies for every route, in place of Express's parser, so each failure has
 * its own stable code: 415 for another media type, 413 over the limit (before reading more than
 * the limit), 400 for bad JSON, nesting deeper than the limit, or prototype-pollution keys.
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  constructor(@Inject(INGRESS_CONFIG) private readonly config: IngressConfig) {}

  use(request: Request, _response: Response, next: NextFunction): void {
    if (!hasBody(request)) {
      if (request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH') {
        return next(request.headers['content-type'] && !isJson(request) ? unsupported(request) : new ApiError('INVALID_JSON', 'The request body is empty; send a JSON document.'));
      }
      return next();
    }
    if (!isJson(request)) return next(unsupported(request));
    const { maxBodyBytes, maxJsonDepth } = this.config;
    getRawBody(request, { limit: maxBodyBytes, length: request.headers['content-length'], encoding: 'utf8' })
      .then((text) => {
        request.body = parse(text, maxJsonDepth);
        next();
      })
      .catch((error: unknown) => next(toApiError(error, maxBodyBytes)));
  }
}

function hasBody(request: Request): boolean {
  return request.headers['transfer-encoding'] !== undefined || (request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0');
}

function isJson(request: Request): boolean {
  if (!request.is(JSON_TYPES)) return false;
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1];
  return charset === undefined || /^utf-?8$/i.test(charset);
}

function unsupported(request: Request): ApiError {
  const type = request.headers['content-type'];
  return new ApiError('UNSUPPORTED_MEDIA_TYPE', `Send the body as application/json (UTF-8)${type ? `, not ${truncate(type)}` : ''}.`);
}

function parse(text: string, maxDepth: number): unknown {
  if (text.trim() === '') throw new ApiError('INVALID_JSON', 'The request body is empty; send a JSON document.');
  let value: unknown;
  try {
    value = sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    if ((error as Error).message.includes('forbidden prototype property')) {
      throw new ApiError('FORBIDDEN_JSON_KEY', 'The JSON has a "__proto__" or "constructor.prototype" key, which the gateway refuses.');
    }
    throw new ApiError('INVALID_JSON', `The request body is not valid JSON: ${(error as Error).message}.`);
  }
  if (depthExceeds(value, maxDepth)) throw new ApiError('JSON_TOO_DEEP', `The JSON nests deeper than ${maxDepth} levels.`);
  return value;
}

/** Iterative, so hostile nesting cannot overflow the stack here. */
function depthExceeds(root: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > maxDepth) return true;
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

function toApiError(error: unknown, maxBytes: number): ApiError {
  if (error instanceof ApiError) return error;
  const type = (error as { type?: string }).type;
  if (type === 'entity.too.large') return new ApiError('PAYLOAD_TOO_LARGE', `The body is larger than ${maxBytes} bytes.`);
  if (type === 'request.size.invalid') return new ApiError('INVALID_JSON', 'The body is shorter or longer than its Content-Length.');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as UTF-8 JSON.');
  return new ApiError('INVALID_JSON', 'The request body could not be read completely.');
}

function truncate(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 77)}...` : clean;
}
