import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { TRACEPARENT, TRACESTATE } from '@app/observability';
import type { Request } from 'express';
import type { TraceContext } from './produce.service';

/** The caller's W3C trace context headers (optional, documented with @ApiHeader). */
export const TraceHeaders = createParamDecorator((_: unknown, context: ExecutionContext): TraceContext => {
  const headers = context.switchToHttp().getRequest<Request>().headers;
  const text = (value: string | string[] | undefined) => (typeof value === 'string' ? value : undefined);
  return { traceparent: text(headers[TRACEPARENT]), tracestate: text(headers[TRACESTATE]) };
});
