import { METRICS_REGISTRY } from '@app/observability';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { Partitioners, type Kafka, type PartitionMetadata } from 'kafkajs';
import { KafkaAdmin } from './kafka-admin.service';
import { KAFKA_CLIENT } from './kafka.constants';
import { MODULE_OPTIONS_TOKEN, type KafkaModuleOptions } from './kafka.module-definition';
import { KafkaError, KafkaUnavailableError, UnknownPartitionError } from './kafka-errors';
import { ProduceMetrics } from './produce-metrics';
import { ProducerLane, type Outgoing, type ProducedRecord } from './producer-lane';

export type { ProducedRecord } from './producer-lane';

export interface RecordToProduce {
  topic: string;
  /** Chosen by the key's hash (or round robin without a key) when absent. */
  partition?: number;
  key: string | Buffer | null;
  /** null writes a tombstone. */
  value: string | Buffer | null;
  headers?: Record<string, string | Buffer>;
  /** Who sent it, as the `client` label of produced_records_total: a bounded set, never free-form. */
  client?: string;
}

/** Metadata lookups on the produce path: unknown topics must be answered well within 2 s. */
const METADATA_TIMEOUT_MS = 1_500;
const SHUTDOWN_FLUSH_MS = 10_000;

/**
 * The idempotent producer (acks = all in-sync replicas) shared by every request. kafkajs allows
 * one request in flight per idempotent producer, so throughput comes from batching (see
 * ProducerLane). It connects in the background and keeps reconnecting, so the apps start and
 * stay up without Kafka. (A pool of producers was measured and did not help: the ingress is
 * CPU-bound before it is round-trip-bound.)
 */
@Injectable()
export class KafkaProducer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KafkaProducer.name);
  private readonly lane: ProducerLane;
  private readonly metrics?: ProduceMetrics;
  private readonly stop = new AbortController();
  private readonly partitioner = Partitioners.DefaultPartitioner();

  constructor(
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    @Inject(MODULE_OPTIONS_TOKEN) options: KafkaModuleOptions,
    private readonly admin: KafkaAdmin,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
  ) {
    if (registry)
      this.metrics = new ProduceMetrics(
        registry,
        () => this.pending,
        () => this.isConnected,
      );
    // The broker's wait for replicas must end before the client's request timeout does.
    const ackTimeoutMs = Math.max(1_000, options.config.connection.requestTimeoutMs - 1_000);
    this.lane = new ProducerLane(
      'Producer',
      kafka,
      { ...options.config.producer, ackTimeoutMs },
      this.logger,
      this.stop.signal,
      (topic) => admin.forget(topic),
      this.metrics,
    );
  }

  onModuleInit(): void {
    void this.lane.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    const left = await this.lane.close(SHUTDOWN_FLUSH_MS);
    if (left > 0) this.logger.warn(`${left} record(s) were still waiting for Kafka at shutdown`);
    this.stop.abort();
  }

  get isConnected(): boolean {
    return this.lane.isConnected;
  }

  /** Why the producer is not connected, when it is not. */
  get connectProblem(): string {
    return this.lane.connectProblem;
  }

  /** Records waiting for Kafka or in flight. */
  get pending(): number {
    return this.lane.pending;
  }

  /**
   * Writes one record and resolves once every in-sync replica has it. Rejects with a KafkaError:
   * unknown topic or partition at once, unavailable at once while disconnected, timeout after
   * `timeoutMs`.
   */
  produce(record: RecordToProduce, timeoutMs: number): Promise<ProducedRecord> {
    const written = this.write(record, timeoutMs);
    if (!this.metrics) return written;
    return written.catch((error: unknown) => {
      if (error instanceof KafkaError) this.metrics?.failed(error);
      throw error;
    });
  }

  /** Known topics (the usual case) go straight to the batcher: no promise per record before it. */
  private write(record: RecordToProduce, timeoutMs: number): Promise<ProducedRecord> {
    try {
      if (!this.lane.isAccepting)
        throw new KafkaUnavailableError(`The producer is not connected: ${this.lane.connectProblem}.`);
      const known = this.admin.knownPartitions(record.topic);
      if (known) return this.submit(record, this.choosePartition(record, known), timeoutMs);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return this.admin
      .partitions(record.topic, METADATA_TIMEOUT_MS)
      .then((partitions) => this.submit(record, this.choosePartition(record, partitions), timeoutMs));
  }

  private submit(record: RecordToProduce, partition: number, timeoutMs: number): Promise<ProducedRecord> {
    const message: Outgoing['message'] = {
      key: record.key,
      value: record.value,
      headers: record.headers,
      partition,
      timestamp: String(Date.now()),
    };
    return this.lane.submit({ topic: record.topic, partition, message, client: record.client }, timeoutMs);
  }

  private choosePartition(record: RecordToProduce, partitions: PartitionMetadata[]): number {
    if (record.partition !== undefined) {
      if (record.partition >= partitions.length)
        throw new UnknownPartitionError(record.topic, record.partition, partitions.length);
      return record.partition;
    }
    return this.partitioner({
      topic: record.topic,
      partitionMetadata: partitions,
      message: { key: record.key, value: null },
    });
  }
}
