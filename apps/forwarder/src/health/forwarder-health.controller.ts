import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { KafkaForwardServer } from '../transport/kafka-forward.server';

/** Served on --health-port: down when the consumer crashed or is not a member of its group. */
@Controller('health')
export class ForwarderHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly server: KafkaForwardServer,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.consumer()]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.consumer()]);
  }

  /** The process answers (a liveness probe); says nothing about Kafka. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  private consumer() {
    const check = this.indicator.check('consumer');
    const details = { state: this.server.state, inFlight: this.server.inFlight };
    return this.server.isMember ? check.up(details) : check.down(details);
  }
}
