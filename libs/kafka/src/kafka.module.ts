import { Module } from '@nestjs/common';
import { KafkaAdmin } from './kafka-admin.service';
import { createKafkaClient } from './kafka-client.factory';
import { KAFKA_CLIENT } from './kafka.constants';
import { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, type KafkaModuleOptions } from './kafka.module-definition';
import { KafkaProducer } from './kafka-producer.service';
import { KafkaTopicReaders } from './kafka-topic-reader';

/**
 * The one place that knows how to reach Kafka. Apps call
 * `KafkaModule.register({ config: kafkaConfigFromEnv(env), defaultClientId, isGlobal: true })` with the
 * configuration they read at boot (registerAsync works too) and get the kafkajs client, the
 * idempotent producer, the admin helper and readers of
 * whole topics (`KafkaTopicReaders`).
 */
@Module({
  providers: [
    {
      provide: KAFKA_CLIENT,
      inject: [MODULE_OPTIONS_TOKEN],
      useFactory: (options: KafkaModuleOptions) =>
        createKafkaClient(options.config.connection, options.defaultClientId),
    },
    KafkaAdmin,
    KafkaProducer,
    KafkaTopicReaders,
  ],
  exports: [KAFKA_CLIENT, KafkaAdmin, KafkaProducer, KafkaTopicReaders],
})
export class KafkaModule extends ConfigurableModuleClass {}
