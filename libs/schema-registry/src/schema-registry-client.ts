/** A schema as the registry holds it. */
export interface RegisteredSchema {
  id: number;
  /** Confluent's `schemaType`: absent means Avro. */
  type: 'AVRO' | 'JSON' | 'PROTOBUF';
  /** The schema's text (JSON for both Avro and JSON Schema). */
  schema: string;
}

/** The registry could not be asked (down, slow, refusing the credentials, answering 5xx). */
export class SchemaRegistryUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaRegistryUnavailableError';
  }
}

export interface SchemaRegistryClientOptions {
  /** The API root, e.g. http://127.0.0.1:8081 or http://host/apis/ccompat/v7; user:password@ in it is sent as basic auth. */
  url: string;
  timeoutMs?: number;
}

const ACCEPT = 'application/vnd.schemaregistry.v1+json, application/json';

/**
 * The two reads the gateway needs from a Confluent-compatible Schema Registry (Confluent, Apicurio's
 * ccompat API, Karapace, Redpanda): the latest version of a subject and a schema by id. A 404 is an
 * answer (undefined); anything else that is not a 200 is SchemaRegistryUnavailableError.
 */
export class SchemaRegistryClient {
  private readonly base: string;
  private readonly authorization?: string;
  private readonly timeoutMs: number;
  /** The URL without its credentials, for logs and error messages. */
  readonly displayUrl: string;

  constructor(options: SchemaRegistryClientOptions) {
    const url = new URL(options.url);
    if (url.username !== '' || url.password !== '') {
      const user = decodeURIComponent(url.username);
      const password = decodeURIComponent(url.password);
      this.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    this.base = url.toString().replace(/\/+$/, '');
    this.displayUrl = this.base;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** The latest version of the subject, or undefined when the subject does not exist. */
  latest(subject: string): Promise<RegisteredSchema | undefined> {
    return this.get(`/subjects/${encodeURIComponent(subject)}/versions/latest`, (body) => ({
      id: Number(body.id),
      type: schemaType(body.schemaType),
      schema: String(body.schema),
    }));
  }

  /** The schema with this id, or undefined when the registry has none. */
  byId(id: number): Promise<RegisteredSchema | undefined> {
    return this.get(`/schemas/ids/${id}`, (body) => ({
      id,
      type: schemaType(body.schemaType),
      schema: String(body.schema),
    }));
  }

  private async get(
    path: string,
    read: (body: Record<string, unknown>) => RegisteredSchema,
  ): Promise<RegisteredSchema | undefined> {
    const headers: Record<string, string> = { Accept: ACCEPT };
    if (this.authorization) headers.Authorization = this.authorization;
    let response: Response;
    try {
      response = await fetch(this.base + path, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new SchemaRegistryUnavailableError(`Schema Registry ${this.displayUrl} did not answer (${cause})`);
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new SchemaRegistryUnavailableError(`Schema Registry ${this.displayUrl} answered HTTP ${response.status}`);
    }
    const body = (await response.json()) as Record<string, unknown>;
    const schema = read(body);
    if (!Number.isInteger(schema.id) || typeof body.schema !== 'string')
      throw new SchemaRegistryUnavailableError(`Schema Registry ${this.displayUrl} answered without a schema`);
    return schema;
  }
}

function schemaType(value: unknown): RegisteredSchema['type'] {
  return value === 'JSON' || value === 'PROTOBUF' ? value : 'AVRO';
}
