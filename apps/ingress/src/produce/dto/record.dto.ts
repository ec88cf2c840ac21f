import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, Min, ValidateBy, ValidateIf, type ValidationOptions } from 'class-validator';

/** HTTP token characters (RFC 9110), so header names survive being forwarded as HTTP headers. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,255}$/;
/** Control characters, DEL, C1 controls and Unicode line separators: never inside a header value. */
const FORBIDDEN_IN_VALUE_CHARACTERS = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029';
const FORBIDDEN_IN_VALUE = new RegExp(`[${FORBIDDEN_IN_VALUE_CHARACTERS}]`);
const MAX_HEADERS = 100;
const MAX_HEADER_VALUE_LENGTH = 8_192;

/** Why a headers object is unacceptable, or undefined when it is fine. */
export function headersProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'headers must be an object of string values';
  const entries = Object.entries(value);
  if (entries.length > MAX_HEADERS) return `headers must have at most ${MAX_HEADERS} entries`;
  for (const [name, text] of entries) {
    if (!HEADER_NAME.test(name))
      return `header name ${JSON.stringify(name.slice(0, 40))} must be 1-255 letters, digits or !#$%&'*+.^_\`|~-`;
    if (typeof text !== 'string') return `header ${JSON.stringify(name)} must have a string value`;
    if (text.length > MAX_HEADER_VALUE_LENGTH)
      return `header ${JSON.stringify(name)} must be at most ${MAX_HEADER_VALUE_LENGTH} characters`;
    if (FORBIDDEN_IN_VALUE.test(text))
      return `header ${JSON.stringify(name)} must not contain control characters or line breaks`;
  }
  return undefined;
}

export function IsRecordHeaders(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isRecordHeaders',
      validator: {
        validate: (value: unknown) => headersProblem(value) === undefined,
        defaultMessage: (args) => headersProblem(args?.value) ?? 'headers are not valid',
      },
    },
    options,
  );
}

/** Present in the body, whatever its JSON value (null included). */
export function IsPresent(options?: ValidationOptions) {
  return ValidateBy({ name: 'isPresent', validator: { validate: (value: unknown) => value !== undefined } }, options);
}

/** One record: what `POST /produce` takes besides the topic, and each item of a batch. */
export class RecordDto {
  /** Records with the same key go to the same partition. */
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description:
      'Records with the same key go to the same partition (murmur2, as the Java client). null or absent: no key.',
    example: 'customer-42',
  })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsString({ message: 'key must be a string or null' })
  key?: string | null;

  /** Any JSON value; the record value is its JSON text. */
  @ApiProperty({
    description: 'Any JSON value (null included); the record value is its JSON text.',
    oneOf: [
      { type: 'object' },
      { type: 'array', items: {} },
      { type: 'string' },
      { type: 'number' },
      { type: 'boolean' },
    ],
    nullable: true,
    example: { orderId: 1001, total: 9.5, items: ['book'] },
  })
  @IsPresent({ message: 'payload is required (any JSON value)' })
  payload!: unknown;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: {
      type: 'string',
      maxLength: MAX_HEADER_VALUE_LENGTH,
      pattern: `^[^${FORBIDDEN_IN_VALUE_CHARACTERS}]*$`,
    },
    maxProperties: MAX_HEADERS,
    nullable: true,
    description:
      'Record headers. Names: 1-255 HTTP token characters; values: strings without control characters or line breaks. null or absent: none.',
    example: { source: 'web' },
  })
  @IsOptional()
  @IsRecordHeaders()
  headers?: Record<string, string> | null;

  /** Chosen from the key (or round robin) when null or absent. */
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 2_147_483_647,
    nullable: true,
    description:
      'Partition to write to; null or absent: chosen from the key (or round robin). One the topic does not have is a 404.',
  })
  @IsOptional()
  @IsInt({ message: 'partition must be an integer of at least 0' })
  @Min(0, { message: 'partition must be an integer of at least 0' })
  @Max(2_147_483_647, { message: 'partition must be at most 2147483647' })
  partition?: number | null;
}
