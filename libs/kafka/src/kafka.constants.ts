/** The kafkajs client built from the validated configuration. */
export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');
