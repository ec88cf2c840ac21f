import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../common/api-error';
import { INGRESS_CONFIG, type IngressConfig } from '../config/ingress.config';
import { isPublicRequest } from './public-paths';

interface Bucket {
  tokens: number;
  at: number;
}

/** Clients tracked at once; the least recently seen are forgotten first (a full bucket is the default anyway). */
const MAX_CLIENTS = 100_000;

/**
 * INGRESS_RATE_LIMIT_RPS requests a second per client (per client address without
 * authentication), with bursts of INGRESS_RATE_LIMIT_BURST, or a credential's own rateLimitRps:
 * a token bucket each. Over it: 429 RATE_LIMITED with Retry-After, before the body is read.
 */
@Injectable()
export class RateLimitMiddleware implements NestMiddleware {
  private readonly buckets = new Map<string, Bucket>();

  constructor(@Inject(INGRESS_CONFIG) private readonly config: IngressConfig) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const limit = request.authenticatedClient?.rateLimit ?? this.config.access.rateLimit;
    if (!limit || isPublicRequest(request, this.config.access)) return next();
    const client = request.clientId ?? `ip:${request.ip}`;
    const now = Date.now();
    const bucket = this.buckets.get(client) ?? { tokens: limit.burst, at: now };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) * limit.perSecond) / 1000);
    bucket.at = now;
    // Re-inserting keeps the map in least-recently-seen order for eviction.
    this.buckets.delete(client);
    this.buckets.set(client, bucket);
    if (this.buckets.size > MAX_CLIENTS) this.buckets.delete(this.buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return next();
    }
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond));
    response.setHeader('Retry-After', String(retryAfter));
    next(
      new ApiError(
        'RATE_LIMITED',
        `Too many requests: the limit is ${limit.perSecond} a second (bursts of ${limit.burst}). Retry after ${retryAfter} s.`,
        undefined,
        retryAfter,
      ),
    );
  }
}
