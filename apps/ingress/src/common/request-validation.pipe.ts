import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe, type Type } from '@nestjs/common';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { getMetadataStorage, validate } from 'class-validator';
import { ApiError, type ErrorDetail } from './api-error';
import { cacheValidationMetadata } from './validation-metadata-cache';
import { passesValidation } from './validation-plan';

const BODY_VALIDATION = {
  whitelist: true,
  forbidNonWhitelisted: true,
  validationError: { target: false, value: false },
} as const;

/**
 * class-validator for every body and query, answering 400 VALIDATION_FAILED with every failing
 * field in `details` (paths such as `messages[3].payload`), and unknown fields refused so that
 * a typo such as "paylaod" is reported rather than ignored.
 */
@Injectable()
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => invalid(flatten(errors)),
    });
    cacheValidationMetadata();
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const metatype = metadata.metatype;
    if ((metadata.type !== 'body' && metadata.type !== 'query') || !metatype || metatype === Object)
      return super.transform(value, metadata);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ApiError('VALIDATION_FAILED', 'The request body must be a JSON object.', [
        { field: '', message: 'the body must be a JSON object' },
      ]);
    }
    // class-transformer reads `value.constructor` as the class to build (a body key named
    // "constructor" crashes it) and skips keys named like Object.prototype members, so
    // unknown keys are looked for on the plain value, first.
    const unknown = unknownKeys(value as Record<string, unknown>, metatype).map((field) => ({
      field,
      message: `${field} is not a known field`,
    }));
    if (metadata.type === 'query') {
      if (unknown.length > 0) throw invalid(unknown);
      return super.transform(value, metadata);
    }
    // Bodies are JSON already: build the DTOs without class-transformer, which would rebuild
    // (and change) the payload's nested objects. Unknown keys are left out and reported with
    // every other failing field.
    const instance = toInstance(metatype, value as Record<string, unknown>);
    if (unknown.length === 0 && passesValidation(instance) === true) return instance;
    const errors = await validate(instance, BODY_VALIDATION);
    const details = [...unknown, ...flatten(errors)];
    if (details.length > 0) throw invalid(details);
    return instance;
  }
}

function invalid(all: ErrorDetail[]): ApiError {
  // Several constraints of one field often share a message (a topic that is missing fails
  // IsString, Length and Matches): say it once.
  const seen = new Set<string>();
  const details = all.filter(
    (d) => !seen.has(`${d.field}\u0000${d.message}`) && seen.add(`${d.field}\u0000${d.message}`),
  );
  return new ApiError(
    'VALIDATION_FAILED',
    `The request is not valid: ${details.map((d) => d.message).join('; ')}.`,
    details,
  );
}

/** What a DTO class declares: its validated properties, and the DTO class of each nested one (@Type). */
interface Shape {
  known: Set<string>;
  nested: Map<string, Type<unknown>>;
}

// Read from the decorators' metadata once per class, not for every body (or every item of a batch).
const shapes = new Map<Type<unknown>, Shape>();

function shapeOf(metatype: Type<unknown>): Shape {
  let shape = shapes.get(metatype);
  if (!shape) {
    const known = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(metatype, '', true, false)
        .map((m) => m.propertyName),
    );
    const nested = new Map<string, Type<unknown>>();
    for (const key of known) {
      const type = defaultMetadataStorage.findTypeMetadata(metatype, key)?.typeFunction() as Type<unknown> | undefined;
      if (type) nested.set(key, type);
    }
    shape = { known, nested };
    shapes.set(metatype, shape);
  }
  return shape;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The DTO for a plain body: its declared keys copied as they are (unknown ones, reported
 * separately, left out), nested DTOs (declared with @Type) built too.
 */
function toInstance(metatype: Type<unknown>, plain: Record<string, unknown>): object {
  const { known, nested } = shapeOf(metatype);
  const instance = Object.create(metatype.prototype as object) as Record<string, unknown>;
  for (const key of Object.keys(plain)) {
    if (!known.has(key)) continue;
    const type = nested.get(key);
    const value = plain[key];
    const build = (item: unknown) => (type && isPlainObject(item) ? toInstance(type, item) : item);
    instance[key] = Array.isArray(value) ? value.map(build) : build(value);
  }
  return instance;
}

/** Keys of a plain body that its DTO (and nested DTOs) do not declare, as paths. */
function unknownKeys(body: Record<string, unknown>, metatype: Type<unknown>, path = ''): string[] {
  const { known, nested } = shapeOf(metatype);
  const unknown: string[] = [];
  for (const key of Object.keys(body)) {
    const field = path ? `${path}.${key}` : key;
    if (!known.has(key)) {
      unknown.push(field);
      continue;
    }
    const type = nested.get(key);
    if (!type) continue;
    const child = body[key];
    const items = Array.isArray(child)
      ? child.map((item, i) => [item, `${field}[${i}]`] as const)
      : [[child, field] as const];
    for (const [item, itemPath] of items) if (isPlainObject(item)) unknown.push(...unknownKeys(item, type, itemPath));
  }
  return unknown;
}

function flatten(errors: ValidationError[], parent = ''): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const error of errors) {
    const field =
      parent === ''
        ? error.property
        : /^\d+$/.test(error.property)
          ? `${parent}[${error.property}]`
          : `${parent}.${error.property}`;
    for (const message of Object.values(error.constraints ?? {})) {
      details.push({
        field,
        message: message.startsWith(`property ${error.property} should not exist`)
          ? `${field} is not a known field`
          : message,
      });
    }
    details.push(...flatten(error.children ?? [], field));
  }
  return details;
}
