import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { KafkaConfig } from './kafka.config';

export interface KafkaModuleOptions {
  /** From kafkaConfigFromEnv(): the same factory for every app. */
  config: KafkaConfig;
  /** Used when KAFKA_CLIENT_ID is not set, e.g. `kafka-http-gateway-ingress`. */
  defaultClientId: string;
}

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<KafkaModuleOptions>()
    .setClassMethodName('register')
    .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();
