import { sleep } from '@app/common';
import {
  type KafkaAdmin,
  type KafkaProducer,
  type KafkaTopicReaders,
  KafkaUnavailableError,
  UnknownTopicError,
  type TopicReader,
  type TopicRecord,
} from '@app/kafka';
import { Logger, type OnModuleInit } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import type { Begin, IdempotencyStore } from './idempotency.store';
import { IdempotencyLedger, parseLedgerRecord, type LedgerRecord } from './idempotency-ledger';
import type { IdempotencyMetrics } from './idempotency-metrics';

export interface SharedIdempotencyOptions {
  topic: string;
  ttlMs: number;
  maxKeys: number;
  /** Each write to the topic, and the wait to read one's own claim back, is bounded by it. */
  produceTimeoutMs: number;
  /** Test only: a pause between winning a claim and letting the request write. */
  testDelayMs: number;
}

export interface SharedClaim {
  digest: string;
  partition: number;
  id: string;
}

/** How long a request that lost its claim waits for the owner's result before answering 409. */
export const RESULT_WAIT_MS = 2_000;

/**
 * A claim's lifetime: its owner writes the claim, reads it back, writes the record and then the
 * result, each bounded by PRODUCE_TIMEOUT_MS; after four of them a claim without a result no
 * longer holds, and the key may be claimed (and written) again.
 */
export const claimLifetimeMs = (produceTimeoutMs: number): number => 4 * produceTimeoutMs;

/**
 * Idempotency-Keys shared by every replica, kept in a Kafka topic (INGRESS_IDEMPOTENCY_TOPIC).
 *
 * The decision: each replica reads the whole topic from its beginning with its own reader (a
 * group of its own, no commits) into one `IdempotencyLedger` per partition. A key's records all go
 * to one partition (chosen from the key's digest), so a partition's order is the key's order.
 * A request with a key the ledger does not know writes a claim (acks=all, like every record),
 * waits until its own reader has read up to the claim's offset, and then knows whether its claim
 * was the first that held: if so it writes the record and then the result; if not, it answers
 * like the owner once the owner's result is read (or 409 after RESULT_WAIT_MS). The ledger decides
 * from the records alone, so every replica reaches the same owner. No claim, no write: when Kafka
 * cannot take the claim the request is a 503 and nothing is written.
 *
 * Claims and releases share the Kafka key `c/<digest>`, results use `r/<digest>`, so compaction
 * keeps the result; records stay uncompacted for the TTL and the claim lifetime
 * (min.compaction.lag.ms), so within them every replica replays the same log.
 */
export class SharedIdempotencyStore implements IdempotencyStore<SharedClaim>, OnModuleInit {
  private readonly logger = new Logger('IdempotencyStore');
  private readonly ledgers = new Map<number, IdempotencyLedger>();
  private readonly instance = randomBytes(6).toString('base64url');
  private readonly lifetimeMs: number;
  private readonly ownClaims = new Set<string>();
  private reader?: TopicReader;
  private partitions = 0;
  private claims = 0;

  constructor(
    private readonly options: SharedIdempotencyOptions,
    private readonly producer: KafkaProducer,
    private readonly admin: KafkaAdmin,
    private readonly readers: KafkaTopicReaders,
    private readonly metrics?: IdempotencyMetrics,
  ) {
    this.lifetimeMs = claimLifetimeMs(options.produceTimeoutMs);
  }

  /** Records of the topic not read yet. */
  get lag(): number {
    return this.reader?.lag ?? 0;
  }

  onModuleInit(): void {
    this.reader = this.readers.follow({
      topic: this.options.topic,
      prepare: () => this.prepare(),
      onRecord: (record) => this.onRecord(record),
    });
  }

  async begin(scope: string, key: string, fingerprint: string): Promise<Begin<SharedClaim>> {
    const reader = this.reader;
    if (!reader) throw new KafkaUnavailableError('The idempotency store has not started.');
    // Right after a start (or an outage) the reader is still joining: wait for it, within bounds.
    if (!reader.isRunning) await reader.whenRunning(this.options.produceTimeoutMs);
    const hash = createHash('sha256').update(scope).update('\u0000').update(key).digest();
    const digest = hash.toString('base64url');
    const partition = hash.readUInt32BE(0) % this.partitions;
    const ledger = this.ledger(partition);
    if (ledger.holding(digest, Date.now())) return this.answer(ledger, digest, fingerprint);

    const id = `${this.instance}.${++this.claims}`;
    this.ownClaims.add(id);
    try {
      const claimed = await this.write(partition, `c/${digest}`, { t: 'claim', id, fp: fingerprint });
      await reader.waitUntilRead(partition, claimed.offset, this.options.produceTimeoutMs).catch((error: unknown) => {
        this.abandon({ digest, partition, id });
        throw error;
      });
    } finally {
      this.ownClaims.delete(id);
    }
    if (ledger.entry(digest)?.owner !== id) {
      this.metrics?.claimsLost.inc();
      return this.answer(ledger, digest, fingerprint);
    }
    if (this.options.testDelayMs > 0) await sleep(this.options.testDelayMs);
    return { state: 'new', claim: { digest, partition, id } };
  }

  complete(claim: SharedClaim, status: number, body: unknown): Promise<void> {
    return this.write(claim.partition, `r/${claim.digest}`, { t: 'result', id: claim.id, status, body }).then(
      () => undefined,
    );
  }

  abandon(claim: SharedClaim): void {
    this.write(claim.partition, `c/${claim.digest}`, { t: 'release', id: claim.id }).catch((error: unknown) =>
      // The claim then holds until its lifetime ends: a retry meanwhile is a 409, not a duplicate.
      this.logger.warn(`Could not release an Idempotency-Key claim: ${(error as Error).message}`),
    );
  }

  /** A key someone else holds: the same body waits for the owner's result, for a while. */
  private async answer(ledger: IdempotencyLedger, digest: string, fingerprint: string): Promise<Begin<SharedClaim>> {
    const deadline = Date.now() + RESULT_WAIT_MS;
    let entry = ledger.holding(digest, Date.now());
    while (entry && !entry.result && entry.fingerprint === fingerprint && Date.now() < deadline) {
      await ledger.changed(digest, deadline - Date.now());
      entry = ledger.holding(digest, Date.now());
    }
    if (!entry) return { state: 'in-progress' };
    if (entry.fingerprint !== fingerprint) return { state: 'reused' };
    if (!entry.result) return { state: 'in-progress' };
    this.metrics?.replays.inc();
    return { state: 'done', ...entry.result };
  }

  private async write(partition: number, key: string, record: LedgerRecord) {
    try {
      const value = JSON.stringify(record);
      return await this.producer.produce(
        { topic: this.options.topic, partition, key, value },
        this.options.produceTimeoutMs,
      );
    } catch (error) {
      if (error instanceof UnknownTopicError)
        throw new KafkaUnavailableError(`The idempotency topic ${this.options.topic} does not exist.`);
      throw error;
    }
  }

  private onRecord({ partition, key, value, timestamp }: TopicRecord): void {
    const record = parseLedgerRecord(value);
    if (!record || !key || key.length < 3) return;
    this.ledger(partition).apply(key.slice(2), record, timestamp);
  }

  private ledger(partition: number): IdempotencyLedger {
    let ledger = this.ledgers.get(partition);
    if (!ledger) {
      // Each partition keeps its share of the keys, so that every replica evicts the same ones.
      const maxKeys = Math.max(1, Math.ceil(this.options.maxKeys / Math.max(1, this.partitions)));
      ledger = new IdempotencyLedger(this.options.ttlMs, this.lifetimeMs, maxKeys, (claim) => {
        if (this.ownClaims.has(claim)) this.metrics?.claimsExpired.inc();
      });
      this.ledgers.set(partition, ledger);
    }
    return ledger;
  }

  /** Creates the topic when it is missing and learns its partition count. */
  private async prepare(): Promise<void> {
    const { topic, ttlMs } = this.options;
    const keep = ttlMs + this.lifetimeMs;
    await this.admin.createTopic(topic, {
      config: {
        'cleanup.policy': 'compact,delete',
        // Retention deletes whole segments: a record stays at least retention.ms.
        'retention.ms': String(keep + 600_000),
        'min.compaction.lag.ms': String(keep),
        'segment.ms': String(Math.max(60_000, ttlMs)),
        'message.timestamp.type': 'LogAppendTime',
      },
    });
    this.partitions = (await this.admin.partitions(topic, this.options.produceTimeoutMs)).length;
  }
}
