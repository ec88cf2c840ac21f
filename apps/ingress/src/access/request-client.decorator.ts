import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { AuthenticatedClient } from './authenticated-client';

/** Who sent the request (undefined without authentication), for the topic scopes and the metrics. */
export const RequestClient = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthenticatedClient | undefined =>
    context.switchToHttp().getRequest<Request>().authenticatedClient,
);
