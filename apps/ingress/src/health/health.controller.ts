import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { GracefulShutdown } from '../lifecycle/graceful-shutdown.service';
import { KafkaHealthIndicator } from './kafka.health';

/** Kafka must answer cluster metadata within this for the gateway to count as healthy. */
const KAFKA_PROBE_TIMEOUT_MS = 1_000;

@ApiTags('observability')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly kafka: KafkaHealthIndicator,
    private readonly indicator: HealthIndicatorService,
    private readonly shutdown: GracefulShutdown,
  ) {}

  /** Kafka reachable: 200 `{status: "ok", info: {kafka: {status: "up"}}}`, else 503. */
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.kafka.reachable('kafka', KAFKA_PROBE_TIMEOUT_MS)]);
  }

  /** The process answers; never touches Kafka (a liveness probe). */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Kafka reachable, the producer connected and the instance not draining (a readiness probe). */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.kafka.reachable('kafka', KAFKA_PROBE_TIMEOUT_MS),
      () => this.kafka.producerConnected('producer'),
      () => {
        const check = this.indicator.check('http');
        return this.shutdown.isDraining ? check.down({ message: 'Shutting down.' }) : check.up();
      },
    ]);
  }
}
