import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Registry, type Registry as RegistryType } from 'prom-client';
import { METRICS_REGISTRY } from './metrics.constants';

/** Prometheus text exposition of every metric of the app. */
@ApiTags('observability')
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: RegistryType) {}

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics' })
  @ApiProduces(Registry.PROMETHEUS_CONTENT_TYPE)
  @ApiOkResponse({ description: 'Prometheus text exposition format.', schema: { type: 'string' } })
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
