/**
 * Every error the ingress answers with. The codes are public interface: clients branch on them,
 * the README and the OpenAPI document list them. Add codes; never rename or reuse one.
 */
export const ERROR_CODES = {
  MALFORMED_REQUEST: {
    status: 400,
    retry: false,
    when: 'The request is not valid HTTP/1.1 (bad header, framing or chunk encoding); the connection is closed.',
  },
  INVALID_JSON: {
    status: 400,
    retry: false,
    when: 'The body is not valid UTF-8 JSON (or is empty), or holds a number no double can hold (overflow, or an integer beyond 2^53 that would be rounded).',
  },
  JSON_TOO_DEEP: { status: 400, retry: false, when: 'The JSON nests deeper than INGRESS_MAX_JSON_DEPTH levels.' },
  FORBIDDEN_JSON_KEY: {
    status: 400,
    retry: false,
    when: 'The JSON has a "__proto__" or "constructor.prototype" key, refused to rule out prototype pollution.',
  },
  VALIDATION_FAILED: {
    status: 400,
    retry: false,
    when: 'A field is missing or wrong; `details` lists every failing field.',
  },
  UNAUTHORIZED: {
    status: 401,
    retry: false,
    when: 'Credentials are required (API keys, INGRESS_CREDENTIALS_FILE or INGRESS_JWT_JWKS_URL is set) and were missing or wrong, or the token is not valid (WWW-Authenticate says invalid_token).',
  },
  TOPIC_NOT_ALLOWED: {
    status: 403,
    retry: false,
    when: "The topic is not in INGRESS_ALLOWED_TOPICS, or not in the client's scopes (its credential's topics, its token's produce:<glob> scopes); the message names the client.",
  },
  TOPIC_FORBIDDEN: { status: 403, retry: false, when: 'Kafka refused the gateway access to the topic (ACLs).' },
  NOT_FOUND: { status: 404, retry: false, when: 'No such route.' },
  TOPIC_NOT_FOUND: {
    status: 404,
    retry: false,
    when: 'The topic does not exist (answered from a metadata check, within 2 s).',
  },
  PARTITION_NOT_FOUND: { status: 404, retry: false, when: 'The topic has no partition with that number.' },
  REQUEST_TIMEOUT: {
    status: 408,
    retry: true,
    when: 'The request (headers and body) did not arrive completely within INGRESS_REQUEST_TIMEOUT_MS.',
  },
  IDEMPOTENCY_KEY_IN_USE: {
    status: 409,
    retry: true,
    when: 'A request with the same Idempotency-Key is still being processed; retry after Retry-After.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, retry: false, when: 'The body is larger than INGRESS_MAX_BODY_BYTES.' },
  RECORD_TOO_LARGE: {
    status: 413,
    retry: false,
    when: 'Kafka refused the record as larger than the topic or broker accepts.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    retry: false,
    when: 'The Content-Type is not application/json (UTF-8), or the body has a Content-Encoding.',
  },
  RECORD_REJECTED: {
    status: 422,
    retry: false,
    when: 'Kafka refused the record itself (invalid record, policy violation).',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    retry: false,
    when: 'The Idempotency-Key was already used for a different request body.',
  },
  SCHEMA_VALIDATION_FAILED: {
    status: 422,
    retry: false,
    when: "The payload does not conform to the topic's contract (INGRESS_SCHEMAS_DIR or SCHEMA_REGISTRY_URL); `details` lists every violation.",
  },
  EXPECTATION_FAILED: { status: 417, retry: false, when: 'An Expect header other than 100-continue.' },
  RATE_LIMITED: {
    status: 429,
    retry: true,
    when: "Over INGRESS_RATE_LIMIT_RPS (or the credential's rateLimitRps) for this client (or client address); retry after Retry-After.",
  },
  HEADERS_TOO_LARGE: { status: 431, retry: false, when: 'The request headers are larger than 16 KiB.' },
  INTERNAL_ERROR: {
    status: 500,
    retry: true,
    when: 'A bug; the details are in the gateway log, never in the response.',
  },
  AUTH_UNAVAILABLE: {
    status: 503,
    retry: true,
    when: "The token issuer's signing keys (INGRESS_JWT_JWKS_URL) cannot be fetched; nothing was written. Retry after Retry-After.",
  },
  KAFKA_UNAVAILABLE: {
    status: 503,
    retry: true,
    when: 'Kafka cannot be reached or has too few in-sync replicas; nothing was written. Retry after Retry-After.',
  },
  KAFKA_TIMEOUT: {
    status: 503,
    retry: true,
    when: 'Kafka did not acknowledge within PRODUCE_TIMEOUT_MS. The record may have been written, so a retry may write it twice.',
  },
  OVERLOADED: {
    status: 503,
    retry: true,
    when: 'Too many records are waiting for Kafka; nothing was written. Retry after Retry-After.',
  },
  SCHEMA_REGISTRY_UNAVAILABLE: {
    status: 503,
    retry: true,
    when: "The topic's contract was never fetched and the Schema Registry cannot be reached; nothing was written. Retry after Retry-After.",
  },
} as const satisfies Record<string, { status: number; retry: boolean; when: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
