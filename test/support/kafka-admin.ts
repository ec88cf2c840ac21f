import { Kafka, logLevel } from 'kafkajs';
import { randomBytes } from 'node:crypto';

/** Test-side topic setup; records are checked with kcat, never with this client. */
export class TestKafka {
  private readonly kafka: Kafka;

  constructor(readonly brokers: string) {
    this.kafka = new Kafka({ clientId: 'gateway-tests', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  }

  async createTopic(prefix: string, partitions = 3): Promise<string> {
    const topic = `${prefix}-${randomBytes(4).toString('hex')}`;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    return topic;
  }

  /** Total records written to the topic so far (sum of partition end offsets). */
  async recordCount(topic: string): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    } finally {
      await admin.disconnect();
    }
  }

  async topicExists(topic: string): Promise<boolean> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).includes(topic);
    } finally {
      await admin.disconnect();
    }
  }
}

export function testBrokers(): string {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set; the e2e global setup starts a Kafka and sets it');
  return brokers;
}
