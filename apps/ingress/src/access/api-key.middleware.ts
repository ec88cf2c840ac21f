import { PRODUCT } from '@app/config';
import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../common/api-error';
import { INGRESS_CONFIG, type IngressConfig } from '../config/ingress.config';
import { isPublicRequest } from './public-paths';

declare module 'express' {
  interface Request {
    /** A short, stable id of the API key used (never the key): for rate limits and logs. */
    apiKeyId?: string;
  }
}

const digest = (key: string) => createHash('sha256').update(key).digest();

/**
 * When INGRESS_API_KEYS is set, every request but the public ones (health, metrics, docs by
 * default) needs `Authorization: Bearer <key>` or `X-API-Key: <key>`, checked before the body is
 * read. Keys are compared as SHA-256 digests in constant time, against every configured key.
 */
@Injectable()
export class ApiKeyMiddleware implements NestMiddleware {
  private readonly keys: Buffer[];

  constructor(@Inject(INGRESS_CONFIG) private readonly config: IngressConfig) {
    this.keys = config.access.apiKeys.map(digest);
  }

  use(request: Request, response: Response, next: NextFunction): void {
    if (this.keys.length === 0 || isPublicRequest(request, this.config.access)) return next();
    const presented = presentedKey(request);
    if (presented !== undefined) {
      const candidate = digest(presented);
      let match = false;
      for (const key of this.keys) match = timingSafeEqual(candidate, key) || match;
      if (match) {
        request.apiKeyId = candidate.subarray(0, 6).toString('hex');
        return next();
      }
    }
    response.setHeader('WWW-Authenticate', `Bearer realm="${PRODUCT}"`);
    next(
      new ApiError(
        'UNAUTHORIZED',
        presented === undefined
          ? 'An API key is required: send Authorization: Bearer <key> or X-API-Key: <key>.'
          : 'The API key is not valid.',
      ),
    );
  }
}

function presentedKey(request: Request): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header.trim();
  const authorization = request.headers.authorization;
  const bearer = authorization === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  return bearer;
}
