import { Inject, Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { ApiError } from '../common/api-error';
import { IDEMPOTENCY_STORE, type Begin, type IdempotencyStore } from './idempotency.store';

const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` on produce requests: a repeat of the same key with the same body within
 * INGRESS_IDEMPOTENCY_TTL_MS answers what the first one answered (with
 * `Idempotent-Replayed: true`) and writes nothing. The same key with another body is refused
 * (422), and one still being processed answers 409. Only successes are remembered: after a
 * failure the key can be used again. Keys are scoped to the client that sent them (its
 * credential, API key or token client).
 * Where keys live is the store's business (idempotency-store.provider.ts): shared by every replica
 * through Kafka by default, or per instance.
 *
 * A middleware on the produce routes rather than an interceptor: Nest runs an interceptor's rxjs
 * chain and AsyncResource bindings for every request of a route, and most requests carry no key.
 * Here a request without the header costs one property read. It runs after the body is parsed
 * and before validation, as the interceptor did.
 */
@Injectable()
export class IdempotencyMiddleware implements NestMiddleware {
  private readonly logger = new Logger('IdempotencyStore');

  constructor(@Inject(IDEMPOTENCY_STORE) private readonly store: IdempotencyStore | null) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const header = request.headers['idempotency-key'];
    if (header === undefined || !this.store) return next();
    if (typeof header !== 'string' || !KEY.test(header)) {
      const message = 'Idempotency-Key must be 1-255 printable ASCII characters';
      return next(
        new ApiError('VALIDATION_FAILED', `The request is not valid: ${message}.`, [
          { field: 'Idempotency-Key', message },
        ]),
      );
    }
    const scope = request.clientId ?? '';
    const key = `${request.path}\u0000${header}`;
    const fingerprint = createHash('sha256').update(JSON.stringify(request.body)).digest('base64');
    const begun = this.store.begin(scope, key, fingerprint);
    if (begun instanceof Promise) begun.then((b) => this.act(b, response, next), next);
    else this.act(begun, response, next);
  }

  private act(begun: Begin, response: Response, next: NextFunction): void {
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
        this.remember(begun.claim, response);
        return next();
    }
  }

  /**
   * Keeps the answer the route (or the exception filter) sends, both of which answer with
   * `response.json`: a success is remembered, anything else, or no answer at all, frees the key.
   * A store that remembers through Kafka holds the answer until the result is written, so a
   * client that has its answer finds it on every replica; if that write fails the answer still
   * goes out (the record is written) and the claim holds until it expires.
   */
  private remember(claim: unknown, response: Response): void {
    const store = this.store!;
    const json = response.json;
    let settled = false;
    response.json = (body: unknown) => {
      if (settled) return json.call(response, body);
      settled = true;
      if (response.statusCode >= 300) {
        store.abandon(claim);
        return json.call(response, body);
      }
      const kept = store.complete(claim, response.statusCode, body);
      if (!kept) return json.call(response, body);
      kept.then(
        () => json.call(response, body),
        (error: unknown) => {
          this.logger.warn(`Could not remember an Idempotency-Key's result: ${(error as Error).message}`);
          json.call(response, body);
        },
      );
      return response;
    };
    response.once('close', () => {
      if (!settled) store.abandon(claim);
    });
  }
}
