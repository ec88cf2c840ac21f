import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { GracefulShutdown } from './graceful-shutdown.service';

/** Counts requests in flight for GracefulShutdown. */
@Injectable()
export class RequestTrackingMiddleware implements NestMiddleware {
  constructor(private readonly shutdown: GracefulShutdown) {}

  use(_request: Request, response: Response, next: NextFunction): void {
    this.shutdown.requestStarted(response);
    next();
  }
}
