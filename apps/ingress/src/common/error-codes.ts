/**
 * Every error the ingress answers with. The codes are public interface: clients branch on them,
 * the README and the OpenAPI document list them. Add codes; never rename or reuse one.
 */
export const ERROR_CODES = {
  INVALID_JSON: { status: 400, retry: false, when: 'The body is not valid JSON (or is empty).' },
  JSON_TOO_DEEP: { status: 400, retry: false, when: 'The JSON nests deeper than INGRESS_MAX_JSON_DEPTH levels.' },
  FORBIDDEN_JSON_KEY: { status: 400, retry: false, when: 'The JSON has a "__proto__" or "constructor.prototype" key, refused to rule out prototype pollution.' },
  VALIDATION_FAILED: { status: 400, retry: false, when: 'A field is missing or wrong; `details` lists every failing field.' },
  TOPIC_FORBIDDEN: { status: 403, retry: false, when: 'Kafka refused the gateway access to the topic (ACLs).' },
  NOT_FOUND: { status: 404, retry: false, when: 'No such route.' },
  TOPIC_NOT_FOUND: { status: 404, retry: false, when: 'The topic does not exist (answered from a metadata check, within 2 s).' },
  PARTITION_NOT_FOUND: { status: 404, retry: false, when: 'The topic has no partition with that number.' },
  PAYLOAD_TOO_LARGE: { status: 413, retry: false, when: 'The body is larger than INGRESS_MAX_BODY_BYTES.' },
  RECORD_TOO_LARGE: { status: 413, retry: false, when: 'Kafka refused the record as larger than the topic or broker accepts.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retry: false, when: 'The Content-Type is not application/json (UTF-8).' },
  RECORD_REJECTED: { status: 422, retry: false, when: 'Kafka refused the record itself (invalid record, policy violation).' },
  INTERNAL_ERROR: { status: 500, retry: true, when: 'A bug; the details are in the gateway log, never in the response.' },
  KAFKA_UNAVAILABLE: { status: 503, retry: true, when: 'Kafka cannot be reached or has too few in-sync replicas; nothing was written. Retry after Retry-After.' },
  KAFKA_TIMEOUT: { status: 503, retry: true, when: 'Kafka did not acknowledge within PRODUCE_TIMEOUT_MS. The record may have been written: a retry may write it twice.' },
  OVERLOADED: { status: 503, retry: true, when: 'Too many records are waiting for Kafka; nothing was written. Retry after Retry-After.' },
} as const satisfies Record<string, { status: number; retry: boolean; when: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
