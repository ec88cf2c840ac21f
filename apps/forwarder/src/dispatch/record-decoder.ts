import {
  fromWireFormat,
  SchemaRegistryUnavailableError,
  type RegisteredSchema,
  type SchemaRegistryClient,
} from '@app/schema-registry';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Type, type Schema } from 'avsc';
import { isUtf8 } from 'node:buffer';
import { recordId, type ForwardRecord } from '../transport/forward-record';
import { CLOCK, type Clock } from './clock';
import { isJson } from './json-syntax';

export const SCHEMA_REGISTRY_CLIENT = Symbol('SCHEMA_REGISTRY_CLIENT');

export type DecodeResult =
  /** Not in the wire format, or decoded: `record.value` is what the target gets. */
  | { outcome: 'decoded'; record: ForwardRecord }
  /** In the wire format, but its schema says it is not what it claims: dead-letter it. */
  | { outcome: 'undecodable'; error: string }
  /** Stopped while the registry was away: not done. */
  | { outcome: 'aborted' };

type ValueDecoder = (body: Buffer) => Buffer;

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/**
 * Turns a record in the Confluent wire format (magic byte 0, schema id, body) into the JSON the
 * target receives: an Avro body decoded to JSON, a JSON Schema body passed as its JSON. Schemas are
 * fetched by id once (ids never change meaning). While the registry cannot be reached the record is
 * held, its partition paused, and the fetch retried with backoff: an outage is never a reason to
 * dead-letter. A body its schema cannot read is `undecodable`.
 */
@Injectable()
export class RecordDecoder {
  private readonly logger = new Logger(RecordDecoder.name);
  private readonly decoders = new Map<number, ValueDecoder>();
  private readonly fetching = new Map<number, Promise<RegisteredSchema | undefined>>();
  private outage = false;

  constructor(
    @Inject(SCHEMA_REGISTRY_CLIENT) private readonly registry: SchemaRegistryClient,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async decode(record: ForwardRecord, signal: AbortSignal, pausePartition: () => () => void): Promise<DecodeResult> {
    const wire = record.value === null ? undefined : fromWireFormat(record.value);
    if (wire === undefined) return { outcome: 'decoded', record };
    const decoder =
      this.decoders.get(wire.schemaId) ?? (await this.decoderFor(wire.schemaId, record, signal, pausePartition));
    if (decoder === undefined) return { outcome: 'aborted' };
    if (typeof decoder === 'string') return { outcome: 'undecodable', error: decoder };
    try {
      return { outcome: 'decoded', record: { ...record, value: decoder(wire.body) } };
    } catch (error) {
      return { outcome: 'undecodable', error: `schema id ${wire.schemaId}: ${(error as Error).message}` };
    }
  }

  /** The decoder for the id; a string saying why there is none; undefined when aborted. */
  private async decoderFor(
    schemaId: number,
    record: ForwardRecord,
    signal: AbortSignal,
    pausePartition: () => () => void,
  ): Promise<ValueDecoder | string | undefined> {
    let resume: (() => void) | undefined;
    let delay = FIRST_RETRY_MS;
    try {
      while (!signal.aborted) {
        let registered: RegisteredSchema | undefined;
        try {
          registered = await this.fetch(schemaId);
        } catch (error) {
          if (!(error instanceof SchemaRegistryUnavailableError)) throw error;
          if (!this.outage) {
            this.outage = true;
            this.logger.warn(`${error.message}; holding ${recordId(record)} (schema id ${schemaId}) and retrying`);
          }
          resume ??= pausePartition();
          await this.clock.sleep(delay, signal);
          delay = Math.min(delay * 2, MAX_RETRY_MS);
          continue;
        }
        if (this.outage) {
          this.outage = false;
          this.logger.log(`Schema Registry ${this.registry.displayUrl} answers again`);
        }
        if (registered === undefined) return `schema id ${schemaId} is not in the Schema Registry`;
        const existing = this.decoders.get(schemaId);
        if (existing) return existing;
        try {
          const decoder = decoderOf(registered);
          this.decoders.set(schemaId, decoder);
          return decoder;
        } catch (error) {
          return `schema id ${schemaId} cannot be used: ${(error as Error).message}`;
        }
      }
      return undefined;
    } finally {
      resume?.();
    }
  }

  /** One request per id at a time, however many records wait for it. */
  private fetch(schemaId: number): Promise<RegisteredSchema | undefined> {
    let fetching = this.fetching.get(schemaId);
    if (fetching === undefined) {
      fetching = this.registry.byId(schemaId).finally(() => this.fetching.delete(schemaId));
      this.fetching.set(schemaId, fetching);
    }
    return fetching;
  }
}

function decoderOf(registered: RegisteredSchema): ValueDecoder {
  if (registered.type === 'JSON') {
    return (body) => {
      if (!isUtf8(body) || !isJson(body)) throw new Error('the body is not JSON text');
      return body;
    };
  }
  if (registered.type === 'AVRO') {
    const type = Type.forSchema(JSON.parse(registered.schema) as Schema);
    // fromBuffer refuses a truncated body and one with bytes left over.
    return (body) => Buffer.from(JSON.stringify(type.fromBuffer(body), avroJson));
  }
  throw new Error(`${registered.type} schemas are not supported`);
}

/** Avro bytes and fixed values as base64 text (as Kafka Connect's JSON converter writes them). */
function avroJson(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  return Buffer.isBuffer(raw) ? raw.toString('base64') : value;
}
