import {
  KafkaUnavailableError,
  type KafkaAdmin,
  type KafkaProducer,
  type KafkaTopicReaders,
  type RecordToProduce,
  type TopicReaderOptions,
  type TopicRecord,
} from '@app/kafka';
import { SharedIdempotencyStore, type SharedClaim } from './shared-idempotency.store';
import type { Begin } from './idempotency.store';

/**
 * A topic that several stores (replicas) share: a write gets the next offset of its partition and
 * reaches every reader in order, a turn of the event loop later, as a broker and a fetch would.
 */
class FakeTopic {
  readonly partitions: TopicRecord[][] = [[], [], []];
  private readonly readers: Array<{ options: TopicReaderOptions; read: number[]; waiters: Array<() => void> }> = [];
  down = false;

  producer(): KafkaProducer {
    return {
      produce: (record: RecordToProduce) => {
        if (this.down) return Promise.reject(new KafkaUnavailableError('down'));
        const log = this.partitions[record.partition!];
        const written: TopicRecord = {
          partition: record.partition!,
          offset: log.length,
          timestamp: Date.now(),
          key: record.key as string,
          value: Buffer.from(record.value as string),
        };
        log.push(written);
        setImmediate(() => this.deliver());
        return Promise.resolve({ topic: 't', partition: written.partition, offset: written.offset, timestamp: '' });
      },
    } as unknown as KafkaProducer;
  }

  admin(): KafkaAdmin {
    return {
      createTopic: () => Promise.resolve(true),
      partitions: () => Promise.resolve(this.partitions.map((_, partitionId) => ({ partitionId }))),
    } as unknown as KafkaAdmin;
  }

  readerFactory(): KafkaTopicReaders {
    return {
      follow: (options: TopicReaderOptions) => {
        const reader = { options, read: this.partitions.map(() => 0), waiters: [] as Array<() => void> };
        this.readers.push(reader);
        let running = false;
        const started = options.prepare!().then(() => (running = true));
        return {
          get isRunning() {
            return running;
          },
          lag: 0,
          whenRunning: () => started.then(() => undefined),
          waitUntilRead: (partition: number, offset: number) =>
            new Promise<void>((resolve) => {
              const check = () => (reader.read[partition] > offset ? resolve() : reader.waiters.push(check));
              check();
            }),
        };
      },
    } as unknown as KafkaTopicReaders;
  }

  private deliver(): void {
    for (const reader of this.readers) {
      for (const [partition, log] of this.partitions.entries())
        while (reader.read[partition] < log.length) reader.options.onRecord(log[reader.read[partition]++]);
      const waiters = reader.waiters.splice(0);
      for (const check of waiters) check();
    }
  }
}

describe('SharedIdempotencyStore', () => {
  const options = { topic: 't', ttlMs: 60_000, maxKeys: 1_000, produceTimeoutMs: 1_000, testDelayMs: 0 };
  let topic: FakeTopic;
  const replica = () => {
    const store = new SharedIdempotencyStore(options, topic.producer(), topic.admin(), topic.readerFactory());
    store.onModuleInit();
    return store;
  };
  const claimOf = (begun: Begin<SharedClaim>) => (begun.state === 'new' ? begun.claim : undefined);
  beforeEach(() => (topic = new FakeTopic()));

  it('lets one of three replicas write a key they all see at once, and answers the others with its result', async () => {
    const replicas = [replica(), replica(), replica()];
    const begun = await Promise.all(
      replicas.map(async (store, i) => {
        const result = await store.begin('scope', '/produce\u0000k', 'fp');
        // The owner answers once the route has; the others are waiting for its result meanwhile.
        const claim = claimOf(result);
        if (claim) await replicas[i].complete(claim, 200, { offset: 7 });
        return result;
      }),
    );
    expect(begun.filter((b) => b.state === 'new')).toHaveLength(1);
    expect(begun.filter((b) => b.state === 'done')).toEqual([
      { state: 'done', status: 200, body: { offset: 7 } },
      { state: 'done', status: 200, body: { offset: 7 } },
    ]);
    const claims = topic.partitions.flat().filter((r) => r.key?.startsWith('c/'));
    expect(claims).toHaveLength(3);
  });

  it('refuses the same key with another body, from any replica, and keeps scopes apart', async () => {
    const [a, b] = [replica(), replica()];
    const claim = claimOf(await a.begin('scope', 'k', 'fp'));
    await a.complete(claim!, 200, {});
    expect(await b.begin('scope', 'k', 'other')).toEqual({ state: 'reused' });
    expect((await b.begin('another scope', 'k', 'other')).state).toBe('new');
  });

  it('frees a key whose request failed', async () => {
    const [a, b] = [replica(), replica()];
    a.abandon(claimOf(await a.begin('scope', 'k', 'fp'))!);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await b.begin('scope', 'k', 'fp')).state).toBe('new');
  });

  it('remembers across a restart of every replica: a new one replays the topic', async () => {
    const a = replica();
    await a.complete(claimOf(await a.begin('scope', 'k', 'fp'))!, 200, { offset: 1 });
    const fresh = replica();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await fresh.begin('scope', 'k', 'fp')).toEqual({ state: 'done', status: 200, body: { offset: 1 } });
  });

  it('answers 503 (KafkaUnavailableError) when the claim cannot be written', async () => {
    const a = replica();
    topic.down = true;
    await expect(a.begin('scope', 'k', 'fp')).rejects.toBeInstanceOf(KafkaUnavailableError);
  });
});
