import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer, type RecordMetadata } from 'kafkajs';
import { KafkaAdmin } from './kafka-admin.service';
import { KAFKA_CLIENT } from './kafka.constants';
import { MODULE_OPTIONS_TOKEN, type KafkaModuleOptions } from './kafka.module-definition';
import { keepConnecting } from './kafka-connector';
import { KafkaTimeoutError, KafkaUnavailableError, toKafkaError, UnknownPartitionError, UnknownTopicError } from './kafka-errors';
import { ProduceBatcher } from './produce-batcher';

export interface RecordToProduce {
  topic: string;
  /** Chosen by the key's hash (or round robin without a key) when absent. */
  partition?: number;
  key: string | Buffer | null;
  /** null writes a tombstone. */
  value: string | Buffer | null;
  headers?: Record<string, string | Buffer>;
}

export interface ProducedRecord {
  topic: string;
  partition: number;
  offset: number;
  /** ISO 8601; the broker's time for topics with LogAppendTime, else the record's create time. */
  timestamp: string;
}

interface Outgoing {
  topic: string;
  partition: number;
  message: Message & { timestamp: string };
}

/** Bytes of a record batch beyond its payload, per record: enough to keep batches under the limit. */
const RECORD_OVERHEAD_BYTES = 64;
/** Metadata lookups on the produce path: unknown topics must be answered well within 2 s. */
const METADATA_TIMEOUT_MS = 1_500;
const SHUTDOWN_FLUSH_MS = 10_000;

/**
 * The idempotent producer (acks = all in-sync replicas) shared by every request. It connects in
 * the background and keeps reconnecting, so the apps start and stay up without Kafka. Records go
 * out through a ProduceBatcher: one request in flight, everything that arrives meanwhile in the
 * next one.
 */
@Injectable()
export class KafkaProducer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KafkaProducer.name);
  private producer: Producer;
  private readonly batcher: ProduceBatcher<Outgoing, ProducedRecord>;
  private readonly stop = new AbortController();
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private connected = false;
  private reconnecting?: Promise<void>;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(MODULE_OPTIONS_TOKEN) private readonly options: KafkaModuleOptions,
    private readonly admin: KafkaAdmin,
  ) {
    this.producer = this.createProducer();
    const limits = options.config.producer;
    this.batcher = new ProduceBatcher((batch) => this.sendBatch(batch), { maxRecords: limits.batchMaxRecords, maxBytes: limits.batchMaxBytes, maxQueued: limits.maxQueuedRecords }, sizeOf);
  }

  onModuleInit(): void {
    this.reconnecting = this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    const flushed = await this.batcher.drained(SHUTDOWN_FLUSH_MS);
    if (!flushed) this.logger.warn(`${this.batcher.pending} record(s) were still waiting for Kafka at shutdown`);
    this.stop.abort();
    await this.producer.disconnect().catch(() => undefined);
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Records waiting for Kafka or in flight. */
  get pending(): number {
    return this.batcher.pending;
  }

  /**
   * Writes one record and resolves once every in-sync replica has it. Rejects with a KafkaError:
   * unknown topic or partition at once, unavailable at once while disconnected, timeout after
   * `timeoutMs`.
   */
  async produce(record: RecordToProduce, timeoutMs: number): Promise<ProducedRecord> {
    if (!this.connected) throw new KafkaUnavailableError('The producer is not connected to Kafka.');
    const partition = await this.choosePartition(record);
    const message: Outgoing['message'] = {
      key: record.key,
      value: record.value,
      headers: record.headers,
      partition,
      timestamp: String(Date.now()),
    };
    return this.batcher.submit({ topic: record.topic, partition, message }, timeoutMs);
  }

  private async choosePartition(record: RecordToProduce): Promise<number> {
    const partitions = await this.admin.partitions(record.topic, METADATA_TIMEOUT_MS);
    if (record.partition !== undefined) {
      if (record.partition >= partitions.length) throw new UnknownPartitionError(record.topic, record.partition, partitions.length);
      return record.partition;
    }
    return this.partitioner({ topic: record.topic, partitionMetadata: partitions, message: { key: record.key, value: null } });
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

  private async connect(): Promise<void> {
    this.connected = false;
    this.batcher.pause();
    const ok = await keepConnecting('Producer', () => this.producer.connect(), this.logger, this.stop.signal);
    if (ok) {
      this.connected = true;
      this.batcher.resume();
    }
  }

  /**
   * After a failed send the idempotent producer's sequence numbers no longer say what the broker
   * has: a later batch could reuse them and be dropped as a "duplicate" while reported as written.
   * A new producer gets a new producer id, which makes that impossible.
   */
  private async replaceProducer(): Promise<void> {
    const old = this.producer;
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
    try {
      responses = await this.producer.sendBatch({
        acks: -1,
        // The broker's wait for replicas must end before the client's request timeout does.
        timeout: Math.max(1_000, this.options.config.connection.requestTimeoutMs - 1_000),
        compression: this.options.config.producer.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, items]) => ({ topic, messages: items.map((item) => item.message) })),
      });
    } catch (error) {
      const mapped = toKafkaError(error, batch.length === 1 ? batch[0].topic : undefined);
      if (mapped instanceof UnknownTopicError) this.admin.forget(mapped.topic);
      if (!this.stop.signal.aborted) {
        this.logger.warn(`Produce of ${batch.length} record(s) failed: ${mapped.message}`);
        void this.replaceProducer();
      }
      // Once a request may have reached a broker, a retriable failure leaves the outcome unknown.
      throw mapped.retriable ? new KafkaTimeoutError(`Kafka did not acknowledge the record: ${mapped.message}`, true) : mapped;
    }
    return assignOffsets(batch, responses);
  }
}

function sizeOf(item: Outgoing): number {
  let size = RECORD_OVERHEAD_BYTES + byteLength(item.message.key) + byteLength(item.message.value);
  for (const [name, value] of Object.entries(item.message.headers ?? {})) size += byteLength(name) + byteLength(value as string | Buffer);
  return size;
}

function byteLength(value: string | Buffer | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

/** kafkajs answers with a base offset per partition; records keep their order inside a partition. */
function assignOffsets(batch: readonly Outgoing[], responses: RecordMetadata[]): ProducedRecord[] {
  const base = new Map<string, RecordMetadata>();
  for (const response of responses) base.set(`${response.topicName}\u0000${response.partition}`, response);
  const seen = new Map<string, number>();
  return batch.map((item) => {
    const id = `${item.topic}\u0000${item.partition}`;
    const response = base.get(id);
    if (!response?.baseOffset) throw new KafkaUnavailableError(`Kafka did not report an offset for ${item.topic}/${item.partition}.`);
    const index = seen.get(id) ?? 0;
    seen.set(id, index + 1);
    const appendTime = response.logAppendTime && response.logAppendTime !== '-1' ? Number(response.logAppendTime) : Number(item.message.timestamp);
    return {
      topic: item.topic,
      partition: item.partition,
      offset: Number(BigInt(response.baseOffset) + BigInt(index)),
      timestamp: new Date(appendTime).toISOString(),
    };
  });
}

