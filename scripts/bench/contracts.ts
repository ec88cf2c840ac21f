// The payload-contract rows of bench:ingress: one 10-field payload (1 KiB, like the other rows)
// written with no contract, with a file contract (INGRESS_SCHEMAS_DIR) and with registry contracts
// (SCHEMA_REGISTRY_URL: JSON Schema, and Avro), each on its own ingress, against a real registry
// (scripts/schema-registry) the benchmark starts and stops by pid. BENCH_CONTRACTS=false leaves them out.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../shared/system';
import * as lib from './lib';

export const CONTRACTS_ENABLED = process.env.BENCH_CONTRACTS !== 'false';
export const CONTRACT_TOPIC = 'bench-contract';
export const AVRO_TOPIC = 'bench-contract-avro';
export type ContractMode = 'none' | 'file' | 'registryJson' | 'registryAvro';

/** Ten fields of the kinds contracts check: strings with formats, numbers with bounds, an enum, an array. */
export function contractPayload(): Record<string, unknown> {
  const payload = {
    id: '4b7f9c1e-3a5d-4f6e-9b8a-1c2d3e4f5a6b',
    customer: 'customer-42',
    email: 'ada@example.com',
    createdAt: '2026-12-07T10:00:00Z',
    amount: 129.5,
    quantity: 3,
    currency: 'EUR',
    express: true,
    tags: ['gift', 'priority', 'returning'],
    note: '',
  };
  payload.note = 'x'.repeat(1024 - JSON.stringify(payload).length);
  return payload;
}

const JSON_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    customer: { type: 'string', minLength: 1, maxLength: 64 },
    email: { type: 'string', format: 'email' },
    createdAt: { type: 'string', format: 'date-time' },
    amount: { type: 'number', minimum: 0 },
    quantity: { type: 'integer', minimum: 1, maximum: 1000 },
    currency: { enum: ['EUR', 'USD', 'GBP'] },
    express: { type: 'boolean' },
    tags: { type: 'array', items: { type: 'string' }, maxItems: 10 },
    note: { type: 'string', maxLength: 2048 },
  },
  required: ['id', 'customer', 'email', 'createdAt', 'amount', 'quantity', 'currency', 'express', 'tags', 'note'],
  additionalProperties: false,
};

const AVRO_SCHEMA = {
  type: 'record',
  name: 'BenchOrder',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'customer', type: 'string' },
    { name: 'email', type: 'string' },
    { name: 'createdAt', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'quantity', type: 'int' },
    { name: 'currency', type: { type: 'enum', name: 'Currency', symbols: ['EUR', 'USD', 'GBP'] } },
    { name: 'express', type: 'boolean' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'note', type: 'string' },
  ],
};

export interface ContractSetup {
  /** The environment of each contract mode's ingress (none: the plain ingress). */
  env: Record<Exclude<ContractMode, 'none'>, Record<string, string>>;
  stop(): void;
}

/** The schemas folder, a registry with both schemas, and the topics. */
export async function setUpContracts(brokers: string): Promise<ContractSetup> {
  lib.createTopic(brokers, CONTRACT_TOPIC, 6);
  lib.createTopic(brokers, AVRO_TOPIC, 6);
  const dir = mkdtempSync(join(tmpdir(), 'bench-schemas-'));
  writeFileSync(join(dir, `${CONTRACT_TOPIC}.json`), JSON.stringify(JSON_SCHEMA));
  const port = await freePort();
  const out = execFileSync('bash', [join(lib.repo, 'scripts/schema-registry/registry.sh'), 'up'], {
    env: { ...process.env, SCHEMA_REGISTRY_PORT: String(port) },
    encoding: 'utf8',
  });
  const pid = Number(out.trim().split('\n').pop());
  const stop = () => {
    try {
      process.kill(pid);
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
  lib.cleanupOnExit(stop);
  const url = `http://127.0.0.1:${port}/apis/ccompat/v7`;
  await register(url, `${CONTRACT_TOPIC}-value`, JSON_SCHEMA, 'JSON');
  await register(url, `${AVRO_TOPIC}-value`, AVRO_SCHEMA, 'AVRO');
  return {
    env: {
      file: { INGRESS_SCHEMAS_DIR: dir },
      registryJson: { SCHEMA_REGISTRY_URL: url },
      registryAvro: { SCHEMA_REGISTRY_URL: url },
    },
    stop,
  };
}

async function register(url: string, subject: string, schema: object, schemaType: string): Promise<void> {
  const response = await fetch(`${url}/subjects/${subject}/versions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema: JSON.stringify(schema), schemaType }),
  });
  if (!response.ok) throw new Error(`registering ${subject}: HTTP ${response.status} ${await response.text()}`);
}

/** The request body of each mode: the same payload, to the topic whose contract the mode checks. */
export function contractBody(mode: ContractMode): string {
  return JSON.stringify({
    topic: mode === 'registryAvro' ? AVRO_TOPIC : CONTRACT_TOPIC,
    key: null,
    payload: contractPayload(),
  });
}

export const CONTRACT_LABELS: Record<ContractMode, string> = {
  none: '10-field payload, no contract',
  file: '10 fields, file contract',
  registryJson: '10 fields, registry JSON Schema',
  registryAvro: '10 fields, registry Avro',
};
/** The goal: a contract costs at most 15% more CPU per request than none. */
export const CONTRACT_CPU_GOAL = 1.15;
