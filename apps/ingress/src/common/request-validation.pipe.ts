import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiError, type ErrorDetail } from './api-error';

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
      exceptionFactory: (errors) => {
        const details = flatten(errors);
        return new ApiError('VALIDATION_FAILED', `The request is not valid: ${details.map((d) => d.message).join('; ')}.`, details);
      },
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && metadata.metatype !== Object && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new ApiError('VALIDATION_FAILED', 'The request body must be a JSON object.', [{ field: '', message: 'the body must be a JSON object' }]);
    }
    return super.transform(value, metadata);
  }
}

function flatten(errors: ValidationError[], parent = ''): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const error of errors) {
    const field = parent === '' ? error.property : /^\d+$/.test(error.property) ? `${parent}[${error.property}]` : `${parent}.${error.property}`;
    for (const message of Object.values(error.constraints ?? {})) {
      details.push({ field, message: message.startsWith(`property ${error.property} should not exist`) ? `${field} is not a known field` : message });
    }
    details.push(...flatten(error.children ?? [], field));
  }
  return details;
}
