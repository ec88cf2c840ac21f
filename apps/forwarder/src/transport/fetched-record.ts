import type { KafkaMessage } from 'kafkajs';
import type { ForwardRecord } from './forward-record';

/** A record as kafkajs fetched it, as the handler gets it. */
export function toRecord(topic: string, partition: number, offset: bigint, message: KafkaMessage): ForwardRecord {
  const headers: ForwardRecord['headers'] = {};
  const fetched = message.headers;
  // for-in, not Object.entries: most records have no headers, and this runs for every one.
  for (const name in fetched) {
    const value = fetched[name];
    // Kafka allows a header name more than once; the last one wins, as in the Go prototype.
    headers[name] = Array.isArray(value) ? value[value.length - 1] : value;
  }
  return {
    topic,
    partition,
    offset,
    key: message.key ?? null,
    value: message.value ?? null,
    headers,
    timestamp: Number(message.timestamp),
  };
}
