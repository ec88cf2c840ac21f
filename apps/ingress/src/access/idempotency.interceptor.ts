import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { Observable, of, tap } from 'rxjs';
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
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly store: IdempotencyStore;

  constructor(@Inject(INGRESS_CONFIG) private readonly config: IngressConfig) {
    this.store = new IdempotencyStore(config.access.idempotency.ttlMs, config.access.idempotency.maxKeys);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const header = request.headers['idempotency-key'];
    if (header === undefined || this.config.access.idempotency.ttlMs === 0) return next.handle();
    if (typeof header !== 'string' || !KEY.test(header)) {
      const message = 'Idempotency-Key must be 1-255 printable ASCII characters';
      throw new ApiError('VALIDATION_FAILED', `The request is not valid: ${message}.`, [{ field: 'Idempotency-Key', message }]);
    }
    const key = `${request.apiKeyId ?? ''}\u0000${request.path}\u0000${header}`;
    const fingerprint = createHash('sha256').update(JSON.stringify(request.body)).digest('base64');
    const begun = this.store.begin(key, fingerprint);
    switch (begun.state) {
      case 'reused':
        throw new ApiError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request body.');
      case 'in-progress':
        throw new ApiError('IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being processed; retry shortly.', undefined, 1);
      case 'done': {
        const response = context.switchToHttp().getResponse<Response>();
        response.status(begun.status);
        response.setHeader('Idempotent-Replayed', 'true');
        return of(begun.body);
      }
      case 'new': {
        const response = context.switchToHttp().getResponse<Response>();
        return next.handle().pipe(
          tap({
            next: (body) => (response.statusCode < 300 ? this.store.complete(key, response.statusCode, body) : this.store.abandon(key)),
            error: () => this.store.abandon(key),
          }),
        );
      }
    }
  }
}
