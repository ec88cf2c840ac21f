import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO, TEST_KAFKA_BASE_PORT } from '../setup/test-kafka';
import { waitFor } from './processes';

const run = promisify(execFile);
const SCRIPT = join(REPO, 'scripts/schema-registry/registry.sh');
/** Derived from the run's Kafka port (21092 -> 21081), so two runs on one machine never share it. */
export const TEST_REGISTRY_PORT = TEST_KAFKA_BASE_PORT - 11;
/** The first build downloads Apicurio from Maven Central (.ci/run builds it before the tests). */
export const REGISTRY_START_TIMEOUT_MS = 600_000;

/** A real Schema Registry (scripts/schema-registry: Apicurio with the Confluent API), started and stopped by pid. */
export class TestSchemaRegistry {
  private constructor(
    readonly pid: number,
    readonly url: string,
  ) {}

  static async start(port = TEST_REGISTRY_PORT): Promise<TestSchemaRegistry> {
    const { stdout } = await run('bash', [SCRIPT, 'up'], {
      env: { ...process.env, SCHEMA_REGISTRY_PORT: String(port) },
      timeout: REGISTRY_START_TIMEOUT_MS,
    });
    const pid = Number(stdout.trim().split('\n').pop());
    if (!Number.isInteger(pid)) throw new Error(`registry.sh up printed no pid: ${stdout}`);
    return new TestSchemaRegistry(pid, `http://127.0.0.1:${port}/apis/ccompat/v7`);
  }

  /** Registers a schema under the subject; resolves with its id. */
  async register(subject: string, schema: object, schemaType: 'AVRO' | 'JSON'): Promise<number> {
    const response = await fetch(`${this.url}/subjects/${encodeURIComponent(subject)}/versions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(schema), schemaType }),
    });
    const body = (await response.json()) as { id?: number };
    if (!response.ok || body.id === undefined)
      throw new Error(`registering ${subject}: HTTP ${response.status} ${JSON.stringify(body)}`);
    return body.id;
  }

  /** Stops it (SIGTERM, then SIGKILL) and waits until the process is gone. */
  async stop(): Promise<void> {
    if (!alive(this.pid)) return;
    process.kill(this.pid, 'SIGTERM');
    try {
      await waitFor('the registry to stop', () => Promise.resolve(!alive(this.pid)), 20_000);
    } catch {
      if (alive(this.pid)) process.kill(this.pid, 'SIGKILL');
      await waitFor('the registry to die', () => Promise.resolve(!alive(this.pid)), 10_000);
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Records as Confluent's own Python deserializers read them (test/support/wire-decoder). */
export async function decodeWithConfluent(
  brokers: string,
  registryUrl: string,
  topic: string,
  kind: 'avro' | 'json',
  count: number,
): Promise<{ partition: number; offset: number; value: unknown }[]> {
  const { stdout } = await run(
    'bash',
    [join(REPO, 'test/support/wire-decoder/run.sh'), brokers, registryUrl, topic, kind, String(count)],
    { timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { partition: number; offset: number; value: unknown });
}
