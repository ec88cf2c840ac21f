import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { KafkaError } from '@app/kafka';
import type { Request, Response } from 'express';
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
 * The one place errors become responses: known errors get their stable code, anything else a
 * generic 500 whose details go to the log and never to the client.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    if (response.headersSent) {
      response.end();
      return;
    }
    if (exception instanceof HttpException && isHealthReport(exception.getResponse())) {
      response.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    const error = this.toApiError(exception, request);
    if (error.retryAfterSeconds !== undefined) response.setHeader('Retry-After', String(error.retryAfterSeconds));
    response.status(error.status).json(error.toBody());
  }

  private toApiError(exception: unknown, request: Request): ApiError {
    if (exception instanceof ApiError) return exception;
    if (exception instanceof KafkaError) return apiErrorFromKafka(exception);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === HttpStatus.NOT_FOUND) return new ApiError('NOT_FOUND', `No route for ${request.method} ${request.path}.`);
      const code = CODE_BY_STATUS[status];
      if (code) return new ApiError(code, exception.message);
    }
    this.logger.error({ reqId: request.id, msg: `Unhandled error on ${request.method} ${request.path}`, stack: (exception as Error)?.stack ?? String(exception) });
    return new ApiError('INTERNAL_ERROR', 'The gateway failed unexpectedly; the error is in its log.');
  }
}

/** Terminus answers 503 with its own report, which orchestrators and people expect unchanged. */
function isHealthReport(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'status' in body && 'details' in body;
}
