import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import picomatch from 'picomatch';
import { TOPIC_GLOB_OPTIONS } from '../config/credentials';
import { TOPIC_GLOB } from '../config/ingress-environment';
import type { JwtConfig } from '../config/ingress.config';
import type { AuthenticatedClient } from './authenticated-client';
import { keySet } from './jwt-key-set';

/** Asymmetric only: with a shared secret anyone holding the issuer's public key could sign (HS256 confusion). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const CLOCK_SKEW_S = 30;
/** Larger tokens are refused before any parsing. */
export const MAX_TOKEN_LENGTH = 8_192;
/** Three base64url parts: anything else is not worth handing to jose. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const SCOPE_PREFIX = 'produce:';
/** Compiled scope sets kept at once: tokens of one client repeat theirs. */
const MAX_CACHED_SCOPES = 1_000;
const NO_TOPIC = () => false;

/** The token is not valid (signature, issuer, audience, expiry, shape): 401 invalid_token. */
export class InvalidTokenError extends Error {}

/**
 * OIDC / JWT bearer tokens: signature from the issuer's key set, `iss`, `aud`, `exp` (30 s skew),
 * and the topics the scope claim grants (`produce:<glob>` entries).
 */
export class JwtVerifier {
  private readonly keys: JWTVerifyGetKey;
  private readonly scopes = new Map<string, (topic: string) => boolean>();

  constructor(private readonly config: JwtConfig) {
    this.keys = keySet(config.jwksUrl);
  }

  static looksLikeToken(value: string): boolean {
    return value.length <= MAX_TOKEN_LENGTH && JWT_SHAPE.test(value);
  }

  /** The client a valid token names; InvalidTokenError or KeySetUnavailableError otherwise. */
  async verify(token: string): Promise<AuthenticatedClient> {
    if (!JwtVerifier.looksLikeToken(token))
      throw new InvalidTokenError('The bearer value is neither an API key nor a JWT.');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: ALGORITHMS,
        clockTolerance: CLOCK_SKEW_S,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      if (error instanceof errors.JOSEError) throw new InvalidTokenError(describe(error));
      throw error;
    }
    const subject = [payload.client_id, payload.azp, payload.sub].find((v) => typeof v === 'string' && v !== '');
    const name = typeof subject === 'string' ? subject.slice(0, 128) : '(no subject)';
    return {
      id: `token:${name}`,
      described: `token client "${name}"`,
      mayWrite: this.topicsOf(payload[this.config.scopeClaim]),
    };
  }

  /** `scope: "produce:orders.* openid"` or `["produce:orders.*"]`; other entries and bad globs grant nothing. */
  private topicsOf(claim: unknown): (topic: string) => boolean {
    const entries = typeof claim === 'string' ? claim.split(' ') : Array.isArray(claim) ? claim : [];
    const globs = entries
      .filter((e): e is string => typeof e === 'string' && e.startsWith(SCOPE_PREFIX))
      .map((e) => e.slice(SCOPE_PREFIX.length))
      .filter((glob) => TOPIC_GLOB.test(glob));
    if (globs.length === 0) return NO_TOPIC;
    const key = globs.join(' ');
    let matcher = this.scopes.get(key);
    if (!matcher) {
      try {
        matcher = picomatch(globs, { ...TOPIC_GLOB_OPTIONS, strictBrackets: true });
      } catch {
        matcher = NO_TOPIC;
      }
      if (this.scopes.size >= MAX_CACHED_SCOPES) this.scopes.clear();
      this.scopes.set(key, matcher);
    }
    return matcher;
  }
}

function describe(error: InstanceType<typeof errors.JOSEError>): string {
  if (error instanceof errors.JWTExpired) return 'The token has expired.';
  if (error instanceof errors.JWTClaimValidationFailed) return `The token's "${error.claim}" claim is not accepted.`;
  if (error instanceof errors.JOSEAlgNotAllowed) return "The token's algorithm is not accepted.";
  if (error instanceof errors.JWKSNoMatchingKey) return 'No signing key matches the token.';
  if (error instanceof errors.JWSSignatureVerificationFailed) return "The token's signature is not valid.";
  return 'The token is not valid.';
}
