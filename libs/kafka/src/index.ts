export { KafkaModule } from './kafka.module';
export { KAFKA_CLIENT } from './kafka.constants';
export type { KafkaModuleOptions } from './kafka.module-definition';
export {
  kafkaConfigFromEnv,
  KafkaEnvironment,
  SASL_MECHANISMS,
  type KafkaConfig,
  type KafkaConnectionOptions,
  type KafkaProducerOptions,
} from './kafka.config';
export { KafkaAdmin } from './kafka-admin.service';
export { KafkaProducer, type ProducedRecord, type RecordToProduce } from './kafka-producer.service';
export { KafkaTopicReaders, TopicReader, type TopicReaderOptions, type TopicRecord } from './kafka-topic-reader';
export { connectProblemReports, keepConnecting } from './kafka-connector';
export { isTopicName, TOPIC_NAME } from './topic-name';
export {
  KafkaError,
  KafkaAuthorizationError,
  KafkaOverloadedError,
  KafkaRejectedError,
  KafkaTimeoutError,
  KafkaUnavailableError,
  RecordTooLargeError,
  UnknownPartitionError,
  UnknownTopicError,
  toKafkaError,
  isCoordinatorMoving,
  isRebalancing,
  isUnknownTopicOrPartition,
} from './kafka-errors';
