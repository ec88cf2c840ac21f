import type { Request } from 'express';

declare module 'express' {
  interface Request {
    /**
     * Who sent the request, once authenticated; undefined without authentication. Not `client`:
     * Node sets that on every request, to the socket.
     */
    authenticatedClient?: AuthenticatedClient;
  }
}

/** Whom a request was authenticated as: a named credential, an unnamed API key, or a token. */
export interface AuthenticatedClient {
  /**
   * In logs, rate limits and Idempotency-Key scopes: the credential's name, `key:<hash prefix>` for
   * an unnamed API key, `token:<client_id | azp | sub>` for a token. Never a secret.
   */
  id: string;
  /** How an error names it to its user: `credential "checkout"`. */
  described: string;
  /** Named credentials only: the `client` label of produced_records_total (a bounded set). */
  metricLabel?: string;
  /** Undefined: every topic INGRESS_ALLOWED_TOPICS permits. */
  mayWrite?: (topic: string) => boolean;
  /** This client's own limit, instead of INGRESS_RATE_LIMIT_RPS. */
  rateLimit?: { perSecond: number; burst: number };
}

/** Sets who the request is from: for the pipeline after it, and for the request's log line. */
export function authenticate(request: Request, client: AuthenticatedClient): void {
  request.authenticatedClient = client;
  request.clientId = client.id;
}
