import { SchemaRegistryClient } from '@app/schema-registry';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { INGRESS_CONFIG, type IngressConfig } from '../config/ingress.config';
import type { Contract } from './contract';
import { FileContracts } from './file-contracts';
import { REGISTRY_REFRESH_MS, RegistryContracts } from './registry-contracts';

/** How often INGRESS_SCHEMAS_DIR is looked at: a changed file is in force within 5 s. */
const RESCAN_MS = 1_000;

/**
 * The contract of each topic: its file in INGRESS_SCHEMAS_DIR when there is one, otherwise the
 * latest version of `<topic>-value` in SCHEMA_REGISTRY_URL. With neither configured every lookup
 * answers "no contract" synchronously, and a topic without a contract is written as before.
 */
@Injectable()
export class PayloadContracts implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PayloadContracts.name);
  private readonly files?: FileContracts;
  private readonly registry?: RegistryContracts;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(@Inject(INGRESS_CONFIG) config: IngressConfig) {
    const { schemasDir, registryUrl } = config.contracts;
    if (schemasDir !== undefined) this.files = new FileContracts(schemasDir);
    if (registryUrl !== undefined)
      this.registry = new RegistryContracts(new SchemaRegistryClient({ url: registryUrl }));
  }

  /** The topic's contract, or undefined for none; a promise only while a registry contract is first fetched. */
  forTopic(topic: string): Contract | undefined | Promise<Contract | undefined> {
    return this.files?.get(topic) ?? this.registry?.get(topic);
  }

  onModuleInit(): void {
    if (this.files) {
      this.files.loadAll();
      const topics = this.files.topics;
      this.logger.log(
        `Payload contracts from ${this.files.dir}: ${topics.length ? topics.map((t) => `"${t}"`).join(', ') : 'none yet'}`,
      );
      this.every(RESCAN_MS, () => this.files!.rescan());
    }
    if (this.registry) {
      this.logger.log(
        `Payload contracts from Schema Registry ${this.registry.client.displayUrl} (subject <topic>-value)`,
      );
      this.every(REGISTRY_REFRESH_MS, () => this.registry!.refreshAll());
    }
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  private every(ms: number, task: () => Promise<void>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      void task().finally(() => (running = false));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }
}
