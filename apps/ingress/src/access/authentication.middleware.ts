import { PRODUCT } from '@app/config';
import { Inject, Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../common/api-error';
import { INGRESS_CONFIG, type IngressConfig } from '../config/ingress.config';
import { authenticate } from './authenticated-client';
import { CredentialStore } from './credential-store';
import { KeySetUnavailableError } from './jwt-key-set';
import { InvalidTokenError, JwtVerifier } from './jwt-verifier';
import { isPublicRequest } from './public-paths';

/** Longer than any API key: not worth a hash. */
const MAX_KEY_LENGTH = 256;
const KEY_SET_RETRY_S = 5;

/**
 * With API keys, named credentials or JWTs configured, every request but the public ones
 * (health, metrics, docs by default) must say who it is, before the body is read:
 * `X-API-Key: <key>`, or `Authorization: Bearer <key or token>`. A key is looked up by its SHA-256
 * and compared in constant time (CredentialSet); a bearer value that is no key is verified as a
 * JWT when INGRESS_JWT_JWKS_URL is set. Which topics the client may write is decided later, once
 * the body names the topic (TopicAccess).
 */
@Injectable()
export class AuthenticationMiddleware implements NestMiddleware {
  private readonly logger = new Logger('Authentication');
  private readonly jwt?: JwtVerifier;
  private readonly enabled: boolean;
  private readonly realm = `Bearer realm="${PRODUCT}"`;
  private keySetErrorLoggedAt = -Infinity;

  constructor(
    @Inject(INGRESS_CONFIG) private readonly config: IngressConfig,
    private readonly credentials: CredentialStore,
  ) {
    const { jwt, credentials: specs, credentialSources: sources } = config.access;
    if (jwt) this.jwt = new JwtVerifier(jwt);
    // A credentials file that loads none later keeps the ones in force: enabled once, enabled for good.
    this.enabled = jwt !== undefined || specs.length > 0 || sources.credentialsFile !== undefined;
  }

  use(request: Request, response: Response, next: NextFunction): void {
    if (!this.enabled || isPublicRequest(request, this.config.access)) return next();
    const header = request.headers['x-api-key'];
    const bearer = bearerOf(request.headers.authorization);
    const presented = typeof header === 'string' && header !== '' ? header.trim() : bearer;
    if (presented === undefined) return this.refuse(response, next, this.missing());
    if (presented.length <= MAX_KEY_LENGTH) {
      const client = this.credentials.current.find(presented);
      if (client) {
        authenticate(request, client);
        return next();
      }
    }
    if (this.jwt === undefined || presented !== bearer) return this.refuse(response, next, 'The API key is not valid.');
    this.jwt.verify(bearer).then(
      (client) => {
        authenticate(request, client);
        next();
      },
      (error: unknown) => this.tokenRefused(error, response, next),
    );
  }

  private tokenRefused(error: unknown, response: Response, next: NextFunction): void {
    if (error instanceof KeySetUnavailableError) {
      // Once per retry interval, not per request: an issuer outage must not flood the log.
      const now = Date.now();
      if (now - this.keySetErrorLoggedAt >= KEY_SET_RETRY_S * 1000) {
        this.keySetErrorLoggedAt = now;
        this.logger.error(error.message);
      }
      return next(
        new ApiError(
          'AUTH_UNAVAILABLE',
          "The token issuer's signing keys cannot be fetched; retry shortly.",
          undefined,
          KEY_SET_RETRY_S,
        ),
      );
    }
    if (error instanceof InvalidTokenError) return this.refuse(response, next, error.message, true);
    next(error);
  }

  private missing(): string {
    return this.jwt
      ? 'Credentials are required: send Authorization: Bearer <token or API key>, or X-API-Key: <key>.'
      : 'An API key is required: send Authorization: Bearer <key> or X-API-Key: <key>.';
  }

  /** RFC 6750: a bearer token presented and refused is `error="invalid_token"`; none at all has no error. */
  private refuse(response: Response, next: NextFunction, message: string, invalidToken = false): void {
    response.setHeader('WWW-Authenticate', invalidToken ? `${this.realm}, error="invalid_token"` : this.realm);
    next(new ApiError('UNAUTHORIZED', message));
  }
}

function bearerOf(authorization: string | undefined): string | undefined {
  return authorization === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
}
