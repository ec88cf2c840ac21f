import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Admin, Kafka, PartitionMetadata } from 'kafkajs';
import { KAFKA_CLIENT } from './kafka.constants';
import { keepConnecting } from './kafka-connector';
import { isTopicAlreadyExists, KafkaUnavailableError, toKafkaError, UnknownTopicError } from './kafka-errors';
import { withTimeout } from './timeouts';

export interface TopicPartitions {
  topic: string;
  partitions: PartitionMetadata[];
}

type CacheEntry =
  { known: true; partitions: PartitionMetadata[]; fetchedAt: number } | { known: false; fetchedAt: number };

/** Known topics are refreshed in the background after this; their partition count rarely changes. */
const REFRESH_AFTER_MS = 10_000;
/** An unknown topic is asked about again after this, so a newly created topic is seen quickly. */
const UNKNOWN_TTL_MS = 1_000;

/**
 * The admin side of the cluster: reachability for health checks, and topic metadata (partition
 * counts and leaders) cached so the hot path answers unknown topics fast without a request per
 * record.
 */
@Injectable()
export class KafkaAdmin implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KafkaAdmin.name);
  private readonly admin: Admin;
  private readonly stop = new AbortController();
  private connected = false;
  private connectProblem = 'not connected yet';
  private ping?: Promise<number>;
  private readonly topics = new Map<string, CacheEntry>();
  private readonly lookups = new Map<string, Promise<PartitionMetadata[]>>();

  constructor(@Inject(KAFKA_CLIENT) kafka: Kafka) {
    this.admin = kafka.admin({ retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 } });
  }

  onModuleInit(): void {
    void keepConnecting(
      'Admin client',
      () => this.admin.connect(),
      this.logger,
      this.stop.signal,
      (problem) => (this.connectProblem = problem),
    ).then((ok) => {
      this.connected = ok;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop.abort();
    await this.admin.disconnect().catch(() => undefined);
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /**
   * Asks the cluster for its metadata and resolves with the number of live brokers. Concurrent
   * callers share one request, so a burst of health probes cannot pile up on a slow cluster.
   */
  async clusterReachable(timeoutMs: number): Promise<number> {
    if (!this.connected) throw new KafkaUnavailableError(`The admin client is not connected: ${this.connectProblem}.`);
    this.ping ??= this.admin
      .describeCluster()
      .then((cluster) => cluster.brokers.length)
      .finally(() => (this.ping = undefined));
    return withTimeout(
      this.ping,
      timeoutMs,
      () => new KafkaUnavailableError(`Kafka did not answer a metadata request within ${timeoutMs} ms.`),
    ).catch((error: unknown) => {
      throw toKafkaError(error);
    });
  }

  /**
   * The topic's partitions, from a cache refreshed in the background. Throws UnknownTopicError
   * when the cluster says the topic does not exist, KafkaUnavailableError when it cannot be asked
   * and nothing is cached.
   */
  async partitions(topic: string, timeoutMs: number): Promise<PartitionMetadata[]> {
    const known = this.knownPartitions(topic);
    if (known) return known;
    const cached = this.topics.get(topic);
    const age = cached ? Date.now() - cached.fetchedAt : Infinity;
    if (cached && age < UNKNOWN_TTL_MS) throw new UnknownTopicError(topic);
    return withTimeout(
      this.lookup(topic),
      timeoutMs,
      () => new KafkaUnavailableError(`Kafka did not answer a metadata request for "${topic}" within ${timeoutMs} ms.`),
    );
  }

  /**
   * The cached partitions of a known topic, without waiting (a refresh starts in the background
   * when they are old); undefined when the topic is not known yet. The produce path uses it to
   * skip a promise per record.
   */
  knownPartitions(topic: string): PartitionMetadata[] | undefined {
    const cached = this.topics.get(topic);
    if (!cached?.known) return undefined;
    if (Date.now() - cached.fetchedAt > REFRESH_AFTER_MS) void this.lookup(topic).catch(() => undefined);
    return cached.partitions;
  }

  /** Forgets what is cached about a topic, e.g. after the broker said it is gone. */
  forget(topic: string): void {
    this.topics.delete(topic);
  }

  private lookup(topic: string): Promise<PartitionMetadata[]> {
    const running = this.lookups.get(topic);
    if (running) return running;
    const lookup = this.fetchPartitions(topic).finally(() => this.lookups.delete(topic));
    this.lookups.set(topic, lookup);
    return lookup;
  }

  private async fetchPartitions(topic: string): Promise<PartitionMetadata[]> {
    if (!this.connected) throw new KafkaUnavailableError('The admin client is not connected to Kafka yet.');
    try {
      const metadata = await this.admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = metadata.topics.find((t) => t.name === topic)?.partitions ?? [];
      if (partitions.length === 0) throw new UnknownTopicError(topic);
      this.topics.set(topic, { known: true, partitions, fetchedAt: Date.now() });
      return partitions;
    } catch (error) {
      const mapped = toKafkaError(error, topic);
      if (mapped instanceof UnknownTopicError) {
        this.topics.set(topic, { known: false, fetchedAt: Date.now() });
        if (this.topics.size > 10_000) this.evictUnknown();
      }
      throw mapped;
    }
  }

  private evictUnknown(): void {
    for (const [name, entry] of this.topics) if (!entry.known) this.topics.delete(name);
  }

  /** Creates a topic with the broker's default partitions and replication unless given. Resolves false when it already existed. */
  async createTopic(
    topic: string,
    options: { partitions?: number; replicationFactor?: number; config?: Record<string, string> } = {},
  ): Promise<boolean> {
    try {
      const numPartitions = options.partitions ?? -1;
      const configEntries = Object.entries(options.config ?? {}).map(([name, value]) => ({ name, value }));
      const created = await this.admin.createTopics({
        topics: [{ topic, numPartitions, replicationFactor: options.replicationFactor ?? -1, configEntries }],
        waitForLeaders: true,
      });
      this.forget(topic);
      return created;
    } catch (error) {
      if (isTopicAlreadyExists(error)) return false;
      throw toKafkaError(error, topic);
    }
  }

  /** A broker configuration value (e.g. message.max.bytes) as the cluster reports it. */
  async brokerConfig(name: string, timeoutMs: number): Promise<string | undefined> {
    const cluster = await withTimeout(
      this.admin.describeCluster(),
      timeoutMs,
      () => new KafkaUnavailableError('describeCluster timed out'),
    );
    const brokerId = cluster.brokers[0]?.nodeId;
    if (brokerId === undefined) return undefined;
    const result = await withTimeout(
      this.admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 4 /* BROKER */, name: String(brokerId), configNames: [name] }],
      }),
      timeoutMs,
      () => new KafkaUnavailableError('describeConfigs timed out'),
    );
    return result.resources[0]?.configEntries.find((entry) => entry.configName === name)?.configValue;
  }

  /** The next offset to be written, per partition. */
  async endOffsets(topic: string): Promise<Map<number, bigint>> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  }

  /** The group's committed offsets for a topic; partitions without a commit are left out. */
  async committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
    const [result] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = new Map<number, bigint>();
    for (const p of result?.partitions ?? []) if (p.offset !== '-1') committed.set(p.partition, BigInt(p.offset));
    return committed;
  }
  /**
   * Per partition, the offset of the first record at or after `timestamp` (ms since the epoch),
   * or the end offset where there is none; `earliest` and `latest` give the first and end offsets.
   */
  async offsetsAt(topic: string, position: 'earliest' | 'latest' | number): Promise<Map<number, bigint>> {
    try {
      if (typeof position === 'number') {
        const offsets = await this.admin.fetchTopicOffsetsByTimestamp(topic, position);
        return new Map(offsets.map((o) => [o.partition, BigInt(o.offset)]));
      }
      const offsets = await this.admin.fetchTopicOffsets(topic);
      return new Map(offsets.map((o) => [o.partition, BigInt(position === 'earliest' ? o.low : o.high)]));
    } catch (error) {
      throw toKafkaError(error, topic);
    }
  }

  /** The group's state as the coordinator reports it (`Empty` or `Dead` when nothing runs in it) and its member count. */
  async groupState(groupId: string): Promise<{ state: string; members: number }> {
    try {
      const { groups } = await this.admin.describeGroups([groupId]);
      const group = groups.find((g) => g.groupId === groupId);
      return { state: group?.state ?? 'Dead', members: group?.members.length ?? 0 };
    } catch (error) {
      throw toKafkaError(error);
    }
  }

  /** Commits these offsets for a group that has no running member (Kafka refuses otherwise). */
  async setCommittedOffsets(groupId: string, topic: string, offsets: Map<number, bigint>): Promise<void> {
    if (offsets.size === 0) return;
    try {
      await this.admin.setOffsets({
        groupId,
        topic,
        partitions: [...offsets].map(([partition, offset]) => ({ partition, offset: String(offset) })),
      });
    } catch (error) {
      throw toKafkaError(error, topic);
    }
  }
}
