import type { LoggerService } from '@nestjs/common';
import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer, type RecordMetadata } from 'kafkajs';
import type { KafkaProducerOptions } from './kafka.config';
import { keepConnecting } from './kafka-connector';
import { KafkaUnavailableError, KafkaTimeoutError, toKafkaError, UnknownTopicError } from './kafka-errors';
import { ProduceBatcher } from './produce-batcher';
import type { Counter } from 'prom-client';
import type { ProduceMetrics } from './produce-metrics';

export interface ProducedRecord {
  topic: string;
  partition: number;
  offset: number;
  /** ISO 8601; the broker's time for topics with LogAppendTime, else the record's create time. */
  timestamp: string;
}

export interface Outgoing {
  topic: string;
  partition: number;
  message: Message & { timestamp: string };
  /** The `client` label of produced_records_total: a bounded set of names, never free-form. */
  client?: string;
}

/** Bytes of a record batch beyond its payload, per record: enough to keep batches under the limit. */
const RECORD_OVERHEAD_BYTES = 64;

/**
 * One idempotent producer (acks = all in-sync replicas) with its own batcher: one request in
 * flight, everything that arrives meanwhile in the next one. It connects in the background and
 * keeps reconnecting, and replaces itself after a failed send (see replaceProducer).
 */
export class ProducerLane {
  private producer: Producer;
  private readonly batcher: ProduceBatcher<Outgoing, ProducedRecord>;
  private connected = false;
  /** Replacing itself after a failed send, with no sign yet that Kafka is unreachable. */
  private replacing = false;
  private problem = 'not connected yet';

  constructor(
    private readonly name: string,
    private readonly kafka: Kafka,
    private readonly options: KafkaProducerOptions & { ackTimeoutMs: number },
    private readonly logger: LoggerService,
    private readonly stop: AbortSignal,
    private readonly onUnknownTopic: (topic: string) => void,
    private readonly metrics?: ProduceMetrics,
  ) {
    this.producer = this.createProducer();
    this.batcher = new ProduceBatcher(
      (batch) => this.sendBatch(batch),
      { maxRecords: options.batchMaxRecords, maxBytes: options.batchMaxBytes, maxQueued: options.maxQueuedRecords },
      sizeOf,
    );
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /**
   * Whether new records may be queued: while connected, and while replacing itself after a
   * failed send (which takes milliseconds), so that one bad record does not turn the next
   * requests into 503s. Once a connection attempt fails, records are refused at once.
   */
  get isAccepting(): boolean {
    return this.connected || this.replacing;
  }

  /** Why the last connection attempt failed. */
  get connectProblem(): string {
    return this.problem;
  }

  get pending(): number {
    return this.batcher.pending;
  }

  submit(item: Outgoing, timeoutMs: number): Promise<ProducedRecord> {
    return this.batcher.submit(item, timeoutMs);
  }

  async connect(): Promise<void> {
    this.connected = false;
    this.batcher.pause();
    const ok = await keepConnecting(
      this.name,
      () => this.producer.connect(),
      this.logger,
      this.stop,
      (problem) => {
        this.problem = problem;
        this.replacing = false;
      },
    );
    this.replacing = false;
    if (ok) {
      this.connected = true;
      this.batcher.resume();
    }
  }

  /** Waits (bounded) for what is queued and in flight, then disconnects. */
  async close(flushTimeoutMs: number): Promise<number> {
    const flushed = await this.batcher.drained(flushTimeoutMs);
    const left = flushed ? 0 : this.batcher.pending;
    await this.producer.disconnect().catch(() => undefined);
    return left;
  }

  private createProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
    });
  }

  /**
   * After a failed send the idempotent producer's sequence numbers no longer say what the broker
   * has (kafkajs rolls back the sequences of every partition of a failed request, including those
   * the broker appended), so a later batch could reuse them and be dropped as a "duplicate" while
   * reported as written. A new producer gets a new producer id, which makes that impossible.
   */
  private async replaceProducer(): Promise<void> {
    const old = this.producer;
    this.replacing = true;
    this.producer = this.createProducer();
    void old.disconnect().catch(() => undefined);
    await this.connect();
  }

  private async sendBatch(batch: readonly Outgoing[]): Promise<ProducedRecord[]> {
    const byTopic = new Map<string, Outgoing[]>();
    for (const item of batch) {
      const list = byTopic.get(item.topic);
      if (list) list.push(item);
      else byTopic.set(item.topic, [item]);
    }
    let responses: RecordMetadata[];
    const stopTimer = this.metrics?.batchDuration.startTimer();
    try {
      responses = await this.producer.sendBatch({
        acks: -1,
        timeout: this.options.ackTimeoutMs,
        compression: this.options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, items]) => ({ topic, messages: items.map((item) => item.message) })),
      });
    } catch (error) {
      const mapped = toKafkaError(error, batch.length === 1 ? batch[0].topic : undefined);
      if (mapped instanceof UnknownTopicError) this.onUnknownTopic(mapped.topic);
      if (!this.stop.aborted) {
        this.logger.warn(`Produce of ${batch.length} record(s) failed: ${mapped.message}`);
        void this.replaceProducer();
      }
      // Once a request may have reached a broker, a retriable failure leaves the outcome unknown.
      throw mapped.retriable
        ? new KafkaTimeoutError(`Kafka did not acknowledge the record: ${mapped.message}`, true)
        : mapped;
    }
    stopTimer?.();
    if (this.metrics) {
      this.metrics.batchRecords.observe(batch.length);
      for (const [topic, items] of byTopic) countProduced(this.metrics.produced, topic, items);
    }
    return assignOffsets(batch, responses);
  }
}

/** Records without a client (the usual case) in one increment; the others by client. */
function countProduced(produced: Counter<'topic' | 'client'>, topic: string, items: readonly Outgoing[]): void {
  let anonymous = 0;
  let byClient: Map<string, number> | undefined;
  for (const item of items) {
    if (item.client === undefined) anonymous++;
    else (byClient ??= new Map()).set(item.client, (byClient.get(item.client) ?? 0) + 1);
  }
  if (anonymous > 0) produced.inc({ topic }, anonymous);
  for (const [client, count] of byClient ?? []) produced.inc({ topic, client }, count);
}

function sizeOf(item: Outgoing): number {
  let size = RECORD_OVERHEAD_BYTES + byteLength(item.message.key) + byteLength(item.message.value);
  for (const [name, value] of Object.entries(item.message.headers ?? {}))
    size += byteLength(name) + byteLength(value as string | Buffer);
  return size;
}

function byteLength(value: string | Buffer | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

/** Where the next record of one partition of a produce answer goes. */
interface PartitionAnswer {
  next: number;
  /** LogAppendTime when the topic uses it, else each record keeps its own timestamp. */
  appendTime: number | undefined;
}

/** kafkajs answers with a base offset per partition; records keep their order inside a partition. */
function assignOffsets(batch: readonly Outgoing[], responses: RecordMetadata[]): ProducedRecord[] {
  // Per topic, then per partition: no key string and no BigInt per record.
  const answers = new Map<string, Map<number, PartitionAnswer>>();
  for (const response of responses) {
    if (!response.baseOffset) continue;
    let byPartition = answers.get(response.topicName);
    if (byPartition === undefined) answers.set(response.topicName, (byPartition = new Map<number, PartitionAnswer>()));
    const logAppendTime =
      response.logAppendTime && response.logAppendTime !== '-1' ? response.logAppendTime : undefined;
    byPartition.set(response.partition, {
      next: Number(response.baseOffset),
      appendTime: logAppendTime === undefined ? undefined : Number(logAppendTime),
    });
  }
  const isoTime = lastIsoTime();
  return batch.map((item) => {
    const answer = answers.get(item.topic)?.get(item.partition);
    if (answer === undefined)
      throw new KafkaUnavailableError(`Kafka did not report an offset for ${item.topic}/${item.partition}.`);
    return {
      topic: item.topic,
      partition: item.partition,
      offset: answer.next++,
      timestamp: isoTime(answer.appendTime ?? Number(item.message.timestamp)),
    };
  });
}

/** ISO text of a time in ms, remembering the last one: the records of a batch mostly share their millisecond. */
function lastIsoTime(): (ms: number) => string {
  let lastMs = Number.NaN;
  let lastText = '';
  return (ms) => {
    if (ms !== lastMs) {
      lastMs = ms;
      lastText = new Date(ms).toISOString();
    }
    return lastText;
  };
}
