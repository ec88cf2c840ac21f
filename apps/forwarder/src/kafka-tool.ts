import { ConfigError, PRODUCT } from '@app/config';
import { sleep } from '@app/common';
import { KafkaAdmin, kafkaConfigFromEnv, KafkaModule, KafkaProducer, type KafkaConfig } from '@app/kafka';
import { DynamicModule, Module, type INestApplicationContext, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

/** The Kafka clients of @app/kafka and the providers of one short-lived command (redrive, --reset-to). */
@Module({})
class KafkaToolModule {
  static register(kafka: KafkaConfig, providers: Provider[]): DynamicModule {
    return {
      module: KafkaToolModule,
      imports: [KafkaModule.register({ config: kafka, defaultClientId: `${PRODUCT}-forwarder`, isGlobal: true })],
      providers,
    };
  }
}

/**
 * Runs a command that does one job against Kafka and exits: connects (giving up with one line
 * when Kafka cannot be reached, unlike `forward`, which waits), calls `use`, and turns any error
 * into one line and exit code 1.
 */
export async function runKafkaTool(
  name: string,
  brokers: string[] | undefined,
  providers: Provider[],
  use: (app: INestApplicationContext) => Promise<number>,
): Promise<number> {
  let kafka: KafkaConfig;
  try {
    kafka = kafkaConfigFromEnv(process.env, { brokers });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`forwarder: invalid configuration: ${error.message}`);
    return 1;
  }
  // The summary is the output; kafkajs' retry warnings would only repeat the one error line.
  const app = await NestFactory.createApplicationContext(KafkaToolModule.register(kafka, providers), {
    logger: false,
    abortOnError: false,
  });
  try {
    const admin = app.get(KafkaAdmin);
    const producer = app.get(KafkaProducer);
    const deadline = Date.now() + Math.max(10_000, 3 * kafka.connection.connectionTimeoutMs);
    while (!(admin.isConnected && producer.isConnected)) {
      if (Date.now() > deadline) {
        const brokers = kafka.connection.brokers.join(',');
        const problem = producer.connectProblem ?? `cannot reach Kafka at ${brokers}: no answer yet`;
        // The connector names the broker when it knows it.
        throw new Error(problem.includes(' at ') ? problem : `${problem} at ${brokers}`);
      }
      await sleep(100);
    }
    return await use(app);
  } catch (error) {
    console.error(`${name}: ${(error as Error).message}`);
    return 1;
  } finally {
    await app.close().catch(() => undefined);
  }
}
