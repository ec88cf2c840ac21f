import { type SchemaRegistryClient, type RegisteredSchema } from '@app/schema-registry';
import { Logger } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { avroContract } from './avro-contract';
import type { Contract } from './contract';
import { jsonSchemaContract } from './json-schema-contract';

/** How often the contracts already known are fetched again (a new version takes effect within it). */
export const REGISTRY_REFRESH_MS = 30_000;
/** After a failed first fetch, requests for the topic are answered 503 at once for this long. */
const FAILED_FETCH_HOLD_MS = 1_000;
const RETRY_AFTER_S = 5;

interface Known {
  /** null: the subject does not exist, the topic has no contract. */
  contract: Contract | null;
}

/**
 * The contracts of a Schema Registry: for topic T, the latest version of subject `T-value`.
 * Fetched on the first request for the topic, then kept and refreshed in the background: while the
 * registry is away the cached version keeps validating. A topic never fetched cannot be checked,
 * so it is answered 503 SCHEMA_REGISTRY_UNAVAILABLE.
 */
export class RegistryContracts {
  private readonly logger = new Logger('PayloadContracts');
  private readonly known = new Map<string, Known>();
  private readonly fetching = new Map<string, Promise<Contract | undefined>>();
  private readonly failedAt = new Map<string, number>();
  /** Compiled once per schema id: a refresh that finds the same id compiles nothing. */
  private readonly byId = new Map<number, Contract>();

  constructor(
    readonly client: SchemaRegistryClient,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached contract (or its absence) when the topic was fetched; a promise the first time. */
  get(topic: string): Contract | undefined | Promise<Contract | undefined> {
    const known = this.known.get(topic);
    if (known !== undefined) return known.contract ?? undefined;
    const failedAt = this.failedAt.get(topic);
    if (failedAt !== undefined && this.now() - failedAt < FAILED_FETCH_HOLD_MS)
      return Promise.reject(unavailable(topic, 'it was unreachable a moment ago'));
    let fetching = this.fetching.get(topic);
    if (fetching === undefined) {
      fetching = this.fetch(topic).finally(() => this.fetching.delete(topic));
      this.fetching.set(topic, fetching);
    }
    return fetching;
  }

  /** Fetches every known topic again; a failure keeps what is cached. */
  async refreshAll(): Promise<void> {
    for (const topic of [...this.known.keys()]) {
      try {
        await this.fetch(topic);
      } catch {
        // Logged by fetch; the cached contract stays in force.
      }
    }
  }

  private async fetch(topic: string): Promise<Contract | undefined> {
    const subject = `${topic}-value`;
    let registered: RegisteredSchema | undefined;
    try {
      registered = await this.client.latest(subject);
    } catch (error) {
      const cached = this.known.has(topic);
      if (!cached) this.failedAt.set(topic, this.now());
      this.logger.warn(
        `Cannot fetch the contract of topic "${topic}" (${(error as Error).message})` +
          (cached ? '; validating against the cached version' : ''),
      );
      throw unavailable(topic, (error as Error).message);
    }
    this.failedAt.delete(topic);
    const previous = this.known.get(topic)?.contract;
    if (registered === undefined) {
      if (previous) this.logger.log(`Subject "${subject}" is gone: topic "${topic}" has no contract any more`);
      this.known.set(topic, { contract: null });
      return undefined;
    }
    if (previous?.schemaId === registered.id) return previous;
    const contract = this.compile(subject, registered);
    this.known.set(topic, { contract });
    this.logger.log(`Payload contract of topic "${topic}": ${contract.source}`);
    return contract;
  }

  private compile(subject: string, registered: RegisteredSchema): Contract {
    const cached = this.byId.get(registered.id);
    if (cached) return cached;
    const source = `subject ${subject} (schema id ${registered.id}, ${registered.type})`;
    let contract: Contract;
    try {
      if (registered.type === 'AVRO') contract = avroContract(registered.schema, source, registered.id);
      else if (registered.type === 'JSON')
        contract = jsonSchemaContract(JSON.parse(registered.schema), source, registered.id);
      else throw new Error('Protobuf contracts are not supported');
    } catch (error) {
      const message = `The contract of ${source} cannot be used: ${(error as Error).message}`;
      this.logger.error(message);
      throw new ApiError('SCHEMA_REGISTRY_UNAVAILABLE', `${message}.`, undefined, RETRY_AFTER_S);
    }
    this.byId.set(registered.id, contract);
    return contract;
  }
}

function unavailable(topic: string, why: string): ApiError {
  return new ApiError(
    'SCHEMA_REGISTRY_UNAVAILABLE',
    `The contract of topic "${topic}" cannot be fetched from the Schema Registry (${why}); nothing was written.`,
    undefined,
    RETRY_AFTER_S,
  );
}
