import { KafkaAdmin, KafkaProducer } from '@app/kafka';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';

/** Kafka as Terminus sees it: reachable within a bound, and the producer connected. */
@Injectable()
export class KafkaHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly admin: KafkaAdmin,
    private readonly producer: KafkaProducer,
  ) {}

  async reachable(key: string, timeoutMs: number) {
    const check = this.indicator.check(key);
    try {
      const brokers = await this.admin.clusterReachable(timeoutMs);
      return check.up({ brokers });
    } catch (error) {
      return check.down({ message: (error as Error).message });
    }
  }

  producerConnected(key: string) {
    const check = this.indicator.check(key);
    return this.producer.isConnected
      ? check.up({ pending: this.producer.pending })
      : check.down({ message: `The producer is not connected: ${this.producer.connectProblem}.` });
  }
}
