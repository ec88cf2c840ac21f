import { Module } from '@nestjs/common';
import { GracefulShutdown } from './graceful-shutdown.service';
import { HttpServerHooks } from './http-server-hooks';
import { RequestTrackingMiddleware } from './request-tracking.middleware';

@Module({
  providers: [GracefulShutdown, RequestTrackingMiddleware, HttpServerHooks],
  exports: [GracefulShutdown, RequestTrackingMiddleware],
})
export class LifecycleModule {}
