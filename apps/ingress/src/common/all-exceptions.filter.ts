import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiError } from './api-error';
import { toApiError } from './to-api-error';

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
    const error = this.responseFor(exception, request);
    if (error.retryAfterSeconds !== undefined) response.setHeader('Retry-After', String(error.retryAfterSeconds));
    response.status(error.status).json(error.toBody());
  }

  private responseFor(exception: unknown, request: Request): ApiError {
    if (exception instanceof HttpException && exception.getStatus() === 404)
      return new ApiError('NOT_FOUND', `No route for ${request.method} ${request.path}.`);
    return toApiError(exception, (bug) =>
      this.logger.error({
        reqId: request.id,
        client: request.clientId,
        msg: `Unhandled error on ${request.method} ${request.path}`,
        stack: (bug as Error)?.stack ?? String(bug),
      }),
    );
  }
}

/** Terminus answers 503 with its own report, which orchestrators and people expect unchanged. */
function isHealthReport(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'status' in body && 'details' in body;
}
