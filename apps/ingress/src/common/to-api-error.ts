import { KafkaError } from '@app/kafka';
import { HttpException, HttpStatus } from '@nestjs/common';
import { ApiError } from './api-error';
import type { ErrorCode } from './error-codes';
import { apiErrorFromKafka } from './kafka-error.mapper';

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  [HttpStatus.BAD_REQUEST]: 'VALIDATION_FAILED',
  [HttpStatus.NOT_FOUND]: 'NOT_FOUND',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'PAYLOAD_TOO_LARGE',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'UNSUPPORTED_MEDIA_TYPE',
};

/**
 * Any error as the client sees it: an ApiError as it is, a Kafka error by its kind, Nest's HTTP
 * exceptions by status. Anything else is a bug: `onBug` hears it (to log it) and the client gets a
 * generic INTERNAL_ERROR without details.
 */
export function toApiError(error: unknown, onBug: (error: unknown) => void): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof KafkaError) return apiErrorFromKafka(error);
  if (error instanceof HttpException) {
    const code = CODE_BY_STATUS[error.getStatus()];
    if (code) return new ApiError(code, error.message);
  }
  onBug(error);
  return new ApiError('INTERNAL_ERROR', 'The gateway failed unexpectedly; the error is in its log.');
}
