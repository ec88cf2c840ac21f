import { Module } from '@nestjs/common';
import { GracefulShutdown, RequestTrackingMiddleware } from './graceful-shutdown.service';

@Module({
  providers: [GracefulShutdown, RequestTrackingMiddleware],
  exports: [GracefulShutdown, RequestTrackingMiddleware],
})
export class LifecycleModule {}
