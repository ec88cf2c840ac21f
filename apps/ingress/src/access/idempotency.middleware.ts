import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { ApiError } from '../common/api-error';
import { INGRESS_CONFIG, type IngressConfig } from '../config/ingress.config';
import { IdempotencyStore } from './idempotency.store';

const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` on produce requests: a repeat of the same key with the same body within
 * INGRESS_IDEMPOTENCY_TTL_MS answers what the first one answered (with
 * `Idempotent-Replayed: true`) and writes nothing. The same key with another body is refused
 * (422), and one still being processed answers 409. Only successes are remembered: after a
 * failure the key can be used again. Keys are scoped to the API key that sent them.
 *
 * A middleware on the produce routes rather than an interceptor: Nest runs an interceptor's rxjs
 * chain and AsyncResource bindings for every request of a route, and most requests carry no key.
 * Here a request without the header costs one property read. It runs after the body is parsed
 * and before validation, as the interceptor did.
 */
@Injectable()
export class IdempotencyMiddleware implements NestMiddleware {
  private readonly store: IdempotencyStore;
  private readonly enabled: boolean;

  constructor(@Inject(INGRESS_CONFIG) config: IngressConfig) {
    this.store = new IdempotencyStore(config.access.idempotency.ttlMs, config.access.idempotency.maxKeys);
    this.enabled = config.access.idempotency.ttlMs > 0;
  }

  use(request: Request, response: Response, next: NextFunction): void {
    const header = request.headers['idempotency-key'];
    if (header === undefined || !this.enabled) return next();
    if (typeof header !== 'string' || !KEY.test(header)) {
      const message = 'Idempotency-Key must be 1-255 printable ASCII characters';
      return next(
        new ApiError('VALIDATION_FAILED', `The request is not valid: ${message}.`, [
          { field: 'Idempotency-Key', message },
        ]),
      );
    }
    const key = `${request.clientId ?? ''}\u0000${request.path}\u0000${header}`;
    const fingerprint = createHash('sha256').update(JSON.stringify(request.body)).digest('base64');
    const begun = this.store.begin(key, fingerprint);
    switch (begun.state) {
      case 'reused':
        return next(
          new ApiError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request body.'),
        );
      case 'in-progress':
        return next(
          new ApiError(
            'IDEMPOTENCY_KEY_IN_USE',
            'A request with this Idempotency-Key is still being processed; retry shortly.',
            undefined,
            1,
          ),
        );
      case 'done':
        response.status(begun.status);
        response.setHeader('Idempotent-Replayed', 'true');
        response.json(begun.body);
        return;
      case 'new':
        this.remember(key, response);
        return next();
    }
  }

  /**
   * Keeps the answer the route (or the exception filter) sends, both of which answer with
   * `response.json`: a success is remembered, anything else, or no answer at all, frees the key.
   */
  private remember(key: string, response: Response): void {
    const json = response.json;
    let settled = false;
    response.json = (body: unknown) => {
      if (!settled) {
        settled = true;
        if (response.statusCode < 300) this.store.complete(key, response.statusCode, body);
        else this.store.abandon(key);
      }
      return json.call(response, body);
    };
    response.once('close', () => {
      if (!settled) this.store.abandon(key);
    });
  }
}
