import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { ERROR_CODES, type ErrorCode } from './error-codes';

export class ErrorDetailDto {
  @ApiProperty({
    example: 'messages[3].payload',
    description: 'The failing field, as a path into the body ("" for the body itself).',
  })
  field!: string;

  @ApiProperty({ example: 'payload is required (any JSON value)' })
  message!: string;
}

/** The body of every error answer. */
export class ErrorResponseDto {
  @ApiProperty({ enum: [false] })
  success!: false;

  @ApiProperty({
    description: 'A sentence for a person; never a stack trace.',
    example: 'Topic "orders" does not exist.',
  })
  error!: string;

  @ApiProperty({
    enum: Object.keys(ERROR_CODES),
    description: 'Stable code to branch on; see the table in the README.',
    example: 'TOPIC_NOT_FOUND',
  })
  code!: ErrorCode;

  @ApiPropertyOptional({
    type: () => [ErrorDetailDto],
    description: 'Every failing field, for VALIDATION_FAILED and SCHEMA_VALIDATION_FAILED.',
  })
  details?: ErrorDetailDto[];
}

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } };
/** Codes that come with a Retry-After header. */
const WITH_RETRY_AFTER = new Set<ErrorCode>([
  'RATE_LIMITED',
  'KAFKA_UNAVAILABLE',
  'KAFKA_TIMEOUT',
  'OVERLOADED',
  'IDEMPOTENCY_KEY_IN_USE',
  'AUTH_UNAVAILABLE',
  'SCHEMA_REGISTRY_UNAVAILABLE',
]);

/**
 * Documents the error answers an operation can give, one response per status, each listing its
 * codes with when they happen and whether to retry.
 */
export function ApiErrors(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes)
    byStatus.set(ERROR_CODES[code].status, [...(byStatus.get(ERROR_CODES[code].status) ?? []), code]);
  return applyDecorators(
    ...[...byStatus].map(([status, list]) =>
      ApiResponse({
        status,
        type: ErrorResponseDto,
        description: list
          .map((code) => `\`${code}\`: ${ERROR_CODES[code].when} Retry: ${ERROR_CODES[code].retry ? 'yes' : 'no'}.`)
          .join('\n\n'),
        headers: list.some((code) => WITH_RETRY_AFTER.has(code)) ? RETRY_AFTER : undefined,
      }),
    ),
  );
}

/** Errors any route can answer before its handler runs (HTTP framing, auth, rate limit). */
export const REQUEST_ERRORS: ErrorCode[] = [
  'MALFORMED_REQUEST',
  'REQUEST_TIMEOUT',
  'EXPECTATION_FAILED',
  'HEADERS_TOO_LARGE',
  'UNAUTHORIZED',
  'AUTH_UNAVAILABLE',
  'RATE_LIMITED',
  'INTERNAL_ERROR',
];
export const BODY_ERRORS: ErrorCode[] = [
  'INVALID_JSON',
  'JSON_TOO_DEEP',
  'FORBIDDEN_JSON_KEY',
  'VALIDATION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
];
