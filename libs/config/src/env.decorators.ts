import { applyDecorators } from '@nestjs/common';
import { Expose, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  Matches,
  Max,
  Min,
  ValidateBy,
  type ValidationOptions,
} from 'class-validator';
import { accessSync, constants } from 'node:fs';
import { parseDuration, formatDuration } from './duration';

// Environment values arrive as text; each decorator converts then validates, so a bad value keeps
// its text and fails validation with a message that says what is allowed.

const toNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;

const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const text = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  return value;
};

const toList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0)
    : value;

function range(min?: number, max?: number, format: (n: number) => string = String): string {
  if (min !== undefined && max !== undefined) return ` from ${format(min)} to ${format(max)}`;
  if (min !== undefined) return ` of at least ${format(min)}`;
  if (max !== undefined) return ` of at most ${format(max)}`;
  return '';
}

export function EnvInteger(min?: number, max?: number) {
  const message = `$property must be an integer${range(min, max)}`;
  return applyDecorators(
    Expose(),
    Transform(toNumber),
    IsInt({ message }),
    ...(min === undefined ? [] : [Min(min, { message })]),
    ...(max === undefined ? [] : [Max(max, { message })]),
  );
}

export function EnvNumber(min?: number, max?: number) {
  const message = `$property must be a number${range(min, max)}`;
  return applyDecorators(
    Expose(),
    Transform(toNumber),
    IsNumber({ allowNaN: false, allowInfinity: false }, { message }),
    ...(min === undefined ? [] : [Min(min, { message })]),
    ...(max === undefined ? [] : [Max(max, { message })]),
  );
}

/** A TCP port, with or without the leading `:` of Go's listen addresses (`:8080`). */
export function EnvPort() {
  const message = "$property must be a port from 1 to 65535, with or without a leading ':'";
  return applyDecorators(
    Expose(),
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && /^:?\d{1,5}$/.test(value.trim()) ? Number(value.trim().replace(':', '')) : value,
    ),
    IsInt({ message }),
    Min(1, { message }),
    Max(65535, { message }),
  );
}

export function EnvBoolean() {
  return applyDecorators(Expose(), Transform(toBoolean), IsBoolean({ message: '$property must be true or false' }));
}

export function EnvOneOf(values: readonly string[]) {
  return applyDecorators(
    Expose(),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value)),
    IsIn(values, { message: `$property must be one of ${values.join(', ')}` }),
  );
}

export function EnvText(pattern?: RegExp, description = 'a non-empty text') {
  return applyDecorators(Expose(), Matches(pattern ?? /^.+$/s, { message: `$property must be ${description}` }));
}

/** A comma-separated list whose every item matches the pattern. */
export function EnvList(item: RegExp, description: string) {
  return applyDecorators(
    Expose(),
    Transform(toList),
    Matches(item, { each: true, message: `$property must be ${description}` }),
    ValidateBy(
      {
        name: 'nonEmptyList',
        validator: { validate: (value) => Array.isArray(value) && value.length > 0 },
        constraints: [],
      },
      { message: `$property must be ${description}` },
    ),
  );
}

/** `500ms`, `10s`, `1m`, or a bare number of seconds; converted to milliseconds. */
export function EnvDuration(minMs?: number, maxMs?: number) {
  const message = `$property must be a duration such as 500ms, 10s or 1m${range(minMs, maxMs, formatDuration)}`;
  return applyDecorators(
    Expose(),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? (parseDuration(value) ?? value) : value)),
    IsInt({ message }),
    ...(minMs === undefined ? [] : [Min(minMs, { message })]),
    ...(maxMs === undefined ? [] : [Max(maxMs, { message })]),
  );
}

export function IsReadableFile(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isReadableFile',
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string') return false;
          try {
            accessSync(value, constants.R_OK);
            return true;
          } catch {
            return false;
          }
        },
        defaultMessage: () => '$property must be the path of a readable file',
      },
    },
    options,
  );
}

export function EnvFile() {
  return applyDecorators(Expose(), IsOptional(), IsReadableFile());
}

/** `host:port` (or `[v6]:port`), as Kafka bootstrap lists are written. */
export const HOST_PORT = /^([A-Za-z0-9._-]+|\[[0-9A-Fa-f:]+\]):\d{1,5}$/;
