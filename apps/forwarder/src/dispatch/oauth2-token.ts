import { METRIC_PREFIX } from '@app/observability';
import { Logger } from '@nestjs/common';
import {
  allowInsecureRequests,
  clientCredentialsGrantRequest,
  ClientSecretBasic,
  processClientCredentialsResponse,
  type AuthorizationServer,
  type Client,
} from 'oauth4webapi';
import { Counter, type Registry } from 'prom-client';
import type { Clock } from './clock';

/** --oauth2-*: where and as whom the forwarder asks for its bearer token. */
export interface OAuth2Options {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  audience?: string;
}

export interface AccessToken {
  value: string;
  /** Seconds the token lives, when the endpoint says. */
  expiresInS?: number;
}

/** One token request to the endpoint; rejects when none comes back. */
export type TokenRequest = (signal: AbortSignal) => Promise<AccessToken>;

/** A token fetch that failed is not tried again for this long: every delivery waits on the same answer. */
const FAILED_FETCH_HOLD_MS = 1_000;
const TOKEN_REQUEST_TIMEOUT_MS = 10_000;
/** Failures of the token endpoint are logged at most this often. */
const FAILURE_LOG_INTERVAL_MS = 60_000;

/** The client-credentials grant (RFC 6749 4.4) with oauth4webapi, the client authenticated by HTTP Basic. */
export function clientCredentialsRequest(options: OAuth2Options): TokenRequest {
  const server: AuthorizationServer = { issuer: new URL(options.tokenUrl).origin, token_endpoint: options.tokenUrl };
  const client: Client = { client_id: options.clientId };
  const authentication = ClientSecretBasic(options.clientSecret);
  const parameters = new URLSearchParams();
  if (options.scope !== undefined) parameters.set('scope', options.scope);
  if (options.audience !== undefined) parameters.set('audience', options.audience);
  // An http:// endpoint (a sidecar, a test) is the operator's choice; oauth4webapi refuses it by default.
  const insecure = options.tokenUrl.startsWith('http:');
  return async (signal) => {
    const response = await clientCredentialsGrantRequest(server, client, authentication, parameters, {
      signal,
      [allowInsecureRequests]: insecure,
    });
    const token = await processClientCredentialsResponse(server, client, response);
    return { value: token.access_token, expiresInS: token.expires_in };
  };
}

/** Renewed this long before expiry: a tenth of the lifetime, at most a minute. */
export function renewalMarginMs(lifetimeMs: number): number {
  return Math.min(lifetimeMs / 10, 60_000);
}

/**
 * The one bearer token every delivery carries. Fetched when first needed; callers that arrive
 * while it is being fetched wait for that fetch. Renewed shortly before it expires, in the
 * background while the current one is still good; a receiver's 401 renews it at once (once,
 * however many deliveries saw that 401). Tokens and the secret are never logged.
 */
export class OAuth2Token {
  private current?: { value: string; renewAt: number; expiresAt: number };
  private fetching?: Promise<string>;
  private lastFailure?: { at: number; error: Error };
  private lastLoggedAt = -Infinity;
  private readonly log = new Logger('OAuth2');
  private readonly requests: Counter<'result'>;

  constructor(
    private readonly request: TokenRequest,
    private readonly clock: Clock,
    registry: Registry,
  ) {
    this.requests = new Counter({
      name: `${METRIC_PREFIX}forwarder_oauth2_token_requests_total`,
      help: 'Requests to the OAuth2 token endpoint, by result: ok or error.',
      labelNames: ['result'],
      registers: [registry],
    });
  }

  /** The token to send now. */
  get(): Promise<string> {
    const current = this.current;
    const now = this.clock.now();
    if (current && now < current.renewAt) return Promise.resolve(current.value);
    if (current && now < current.expiresAt) {
      // Still good: renewed in the background, and a failure leaves it in use until it expires.
      this.fetch().catch(() => undefined);
      return Promise.resolve(current.value);
    }
    return this.fetch();
  }

  /** The receiver refused `refused`: a new token, unless another delivery has already had one fetched. */
  renew(refused: string): Promise<string> {
    if (this.current && this.current.value !== refused) return this.get();
    this.current = undefined;
    return this.fetch();
  }

  private fetch(): Promise<string> {
    this.fetching ??= this.fetchToken().finally(() => (this.fetching = undefined));
    return this.fetching;
  }

  private async fetchToken(): Promise<string> {
    const startedAt = this.clock.now();
    const failure = this.lastFailure;
    if (failure && startedAt - failure.at < FAILED_FETCH_HOLD_MS) throw failure.error;
    let token: AccessToken;
    try {
      token = await this.request(AbortSignal.timeout(TOKEN_REQUEST_TIMEOUT_MS));
    } catch (error) {
      this.requests.inc({ result: 'error' });
      const reason = describe(error);
      this.lastFailure = { at: this.clock.now(), error: new Error(`the OAuth2 token endpoint failed: ${reason}`) };
      if (this.clock.now() - this.lastLoggedAt >= FAILURE_LOG_INTERVAL_MS) {
        this.lastLoggedAt = this.clock.now();
        this.log.warn(`The OAuth2 token endpoint failed (${reason}): deliveries wait for a token`);
      }
      throw this.lastFailure.error;
    }
    this.requests.inc({ result: 'ok' });
    if (this.lastFailure) this.log.log('The OAuth2 token endpoint answers again');
    this.lastFailure = undefined;
    // The lifetime counts from the request, not the answer: the token may be that much older.
    const lifetimeMs = token.expiresInS === undefined ? Infinity : token.expiresInS * 1000;
    this.current = {
      value: token.value,
      expiresAt: startedAt + lifetimeMs,
      renewAt: startedAt + lifetimeMs - renewalMarginMs(lifetimeMs),
    };
    return token.value;
  }
}

/** Why a token request failed, without the request (whose Authorization holds the secret). */
function describe(error: unknown): string {
  const err = error as { name?: string; message?: string; error?: string; status?: number; cause?: unknown };
  if (err.error !== undefined) return `HTTP ${err.status ?? '?'} ${err.error}`;
  if (err.cause instanceof Response) return `HTTP ${err.cause.status}`;
  const code = (err.cause as { code?: string } | undefined)?.code;
  if (code !== undefined) return code;
  return `${err.name ?? 'Error'}: ${err.message ?? 'no answer'}`;
}
