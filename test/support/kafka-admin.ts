import { Kafka, logLevel, Partitioners, type Admin, type Message } from 'kafkajs';
import { randomBytes } from 'node:crypto';

/** Test-side topic setup; records are checked with kcat, never with this client. */
export class TestKafka {
  private readonly kafka: Kafka;

  constructor(readonly brokers: string) {
    this.kafka = new Kafka({ clientId: 'gateway-tests', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  }

  private async withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await use(admin);
    } finally {
      await admin.disconnect();
    }
  }

  async createTopic(prefix: string, partitions = 3, config: Record<string, string> = {}): Promise<string> {
    const topic = `${prefix}-${randomBytes(4).toString('hex')}`;
    const configEntries = Object.entries(config).map(([name, value]) => ({ name, value }));
    await this.withAdmin(async (admin) => {
      await admin.createTopics({
        topics: [{ topic, numPartitions: partitions, configEntries }],
        waitForLeaders: false,
      });
      // kafkajs's waitForLeaders retries only LEADER_NOT_AVAILABLE; a broker of a 3-node cluster that
      // has not caught up with the controller yet answers UNKNOWN_TOPIC_OR_PARTITION for a while,
      // and a leader named in the metadata may still answer NOT_LEADER_OR_FOLLOWER to a list-offsets
      // request until it has taken the partition on: ready means both answer.
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          const [described] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
          if (described.partitions.length === partitions && described.partitions.every((p) => p.leader >= 0)) {
            await admin.fetchTopicOffsets(topic);
            break;
          }
        } catch (error) {
          if (Date.now() > deadline) throw error;
        }
        if (Date.now() > deadline) throw new Error(`topic ${topic} has no leader for every partition after 60 s`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    });
    return topic;
  }

  /** Total records written to the topic so far (sum of partition end offsets). */
  recordCount(topic: string): Promise<number> {
    return this.withAdmin(async (admin) =>
      (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0),
    );
  }

  topicExists(topic: string): Promise<boolean> {
    return this.withAdmin(async (admin) => (await admin.listTopics()).includes(topic));
  }

  /** Writes records with kafkajs (test setup only; results are checked with independent tools). */
  async produce(topic: string, messages: Message[]): Promise<void> {
    const producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      for (let i = 0; i < messages.length; i += 500)
        await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 500) });
    } finally {
      await producer.disconnect();
    }
  }

  /** The next offset per partition (what a fully caught-up group has committed). */
  endOffsets(topic: string): Promise<Map<number, number>> {
    return this.withAdmin(
      async (admin) => new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)])),
    );
  }

  /** The group's committed offsets for the topic; -1 where nothing was committed. */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
    return this.withAdmin(async (admin) => {
      const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return new Map(result.partitions.map((p) => [p.partition, Number(p.offset)]));
    });
  }

  /** The broker that leads the most partitions of the topic, by node id. */
  busiestLeader(topic: string): Promise<number> {
    return this.withAdmin(async (admin) => {
      const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      const counts = new Map<number, number>();
      for (const p of meta.partitions) counts.set(p.leader, (counts.get(p.leader) ?? 0) + 1);
      return [...counts].sort((a, b) => b[1] - a[1])[0][0];
    });
  }
}

export function testBrokers(): string {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set; the e2e global setup starts a Kafka and sets it');
  return brokers;
}
