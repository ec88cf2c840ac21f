import { Module } from '@nestjs/common';
import { GracefulShutdown, RequestTrackingMiddleware } from './graceful-shutdown.service';
import { HttpServerGuard } from './http-server-guard';

@Module({
  providers: [GracefulShutdown, RequestTrackingMiddleware, HttpServerGuard],
  exports: [GracefulShutdown, RequestTrackingMiddleware],
})
export class LifecycleModule {}
