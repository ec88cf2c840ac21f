import { sleep } from '@app/common';
import { KafkaAdmin } from '@app/kafka';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { INGRESS_CONFIG, type IngressConfig } from '../config/ingress.config';

const BROKER_LIMIT = 'message.max.bytes';

/**
 * The body limit in force: INGRESS_MAX_BODY_BYTES, lowered to the broker's message.max.bytes once
 * the cluster can be asked, so a body Kafka would refuse anyway gets a 413 before it is read
 * instead of a round trip to the broker.
 */
@Injectable()
export class BodyLimit implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BodyLimit.name);
  private readonly stop = new AbortController();
  private limit: number;

  constructor(
    @Inject(INGRESS_CONFIG) private readonly config: IngressConfig,
    private readonly admin: KafkaAdmin,
  ) {
    this.limit = config.maxBodyBytes;
  }

  get maxBytes(): number {
    return this.limit;
  }

  onApplicationBootstrap(): void {
    void this.learnBrokerLimit();
  }

  onApplicationShutdown(): void {
    this.stop.abort();
  }

  private async learnBrokerLimit(): Promise<void> {
    while (!this.stop.signal.aborted) {
      try {
        if (this.admin.isConnected) {
          const value = Number(await this.admin.brokerConfig(BROKER_LIMIT, 5_000));
          if (Number.isFinite(value) && value > 0 && value < this.config.maxBodyBytes) {
            this.limit = value;
            this.logger.warn(
              `INGRESS_MAX_BODY_BYTES (${this.config.maxBodyBytes}) is above the broker's ${BROKER_LIMIT} (${value}): bodies over ${value} bytes are refused with 413`,
            );
          }
          return;
        }
      } catch {
        // asked again below
      }
      await sleep(1_000, this.stop.signal);
    }
  }
}
