// The floor bench:forwarder sets the forwarder against, in the same run: the least a Kafka-to-HTTP
// forwarder on the same stack does for a record. kafkajs fetches and decodes it; the forwarder's
// envelope is built around it, the plain way (the value embedded unchecked: the bench's values are
// JSON); undici POSTs it, alone or in a JSON array with the rest of its batch; the offsets are
// committed once the requests have succeeded. Nothing else: no Nest handler per record, no
// per-key order, JSON check, retries, circuit, limiter, window or metrics.
// Usage: forwarder-floor <brokers> <topic> <group> <url> <records per request>; runs until SIGTERM.
import { Kafka, logLevel, type EachBatchPayload, type KafkaMessage } from 'kafkajs';
import { Pool } from 'undici';

const [brokers, topic, group, target, perRequest] = process.argv.slice(2);
const url = new URL(target);
const batchMax = Number(perRequest);
// As many connections as the forwarder's --workers 64 row.
const pool = new Pool(url.origin, { connections: 64 });

async function post(body: Buffer): Promise<void> {
  const response = await pool.request({
    method: 'POST',
    path: url.pathname,
    body,
    headers: { 'content-type': 'application/json' },
  });
  await response.body.dump();
  if (response.statusCode >= 300) throw new Error(`HTTP ${response.statusCode}`);
}

/** `{topic, partition, offset, key, value, headers, timestamp}`, as the forwarder sends a record. */
function envelope(topic: string, partition: number, m: KafkaMessage): Buffer {
  const key = m.key === null ? 'null' : JSON.stringify(m.key.toString('utf8'));
  return Buffer.concat([
    Buffer.from(
      `{"topic":${JSON.stringify(topic)},"partition":${partition},"offset":${m.offset},"key":${key},"value":`,
    ),
    m.value ?? NULL,
    Buffer.from(`,"headers":{},"timestamp":"${new Date(Number(m.timestamp)).toISOString()}"}`),
  ]);
}

/** `[envelope,...]`, as the forwarder sends a batch. */
function arrayOf(envelopes: Buffer[]): Buffer {
  const parts: Buffer[] = [OPEN];
  envelopes.forEach((e, i) => parts.push(...(i === 0 ? [e] : [COMMA, e])));
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

const NULL = Buffer.from('null');
const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: 'forwarder-floor', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: group });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  process.once('SIGTERM', () => void consumer.disconnect().finally(() => process.exit(0)));
  await consumer.run({
    partitionsConsumedConcurrently: 6,
    eachBatch: async (payload: EachBatchPayload) => {
      const { topic: name, partition, messages } = payload.batch;
      const requests: Promise<void>[] = [];
      for (let i = 0; i < messages.length; i += batchMax) {
        const envelopes = messages.slice(i, i + batchMax).map((m) => envelope(name, partition, m));
        requests.push(post(batchMax === 1 ? envelopes[0] : arrayOf(envelopes)));
      }
      await Promise.all(requests);
      payload.resolveOffset(payload.batch.lastOffset());
      await payload.heartbeat();
    },
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
