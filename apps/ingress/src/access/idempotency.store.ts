/** What a store says about a request's Idempotency-Key. `new`: this request may write, and holds the claim. */
export type Begin<Claim = unknown> =
  | { state: 'new'; claim: Claim }
  | { state: 'in-progress' }
  | { state: 'reused' }
  | { state: 'done'; status: number; body: unknown };

/**
 * Where Idempotency-Keys are remembered: per instance (`MemoryIdempotencyStore`) or shared by every
 * replica through Kafka (`SharedIdempotencyStore`). Keys live in a `scope` the caller chooses (the
 * client's identity), so two clients never see each other's keys.
 */
export interface IdempotencyStore<Claim = unknown> {
  begin(scope: string, key: string, fingerprint: string): Begin<Claim> | Promise<Begin<Claim>>;
  /** The claimed request succeeded; when this returns a promise, the answer waits for it. */
  complete(claim: Claim, status: number, body: unknown): void | Promise<void>;
  /** The claimed request failed or was not answered: the key may be used again. */
  abandon(claim: Claim): void;
}

export const IDEMPOTENCY_STORE = Symbol('IDEMPOTENCY_STORE');
