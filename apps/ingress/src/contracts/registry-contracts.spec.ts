import { SchemaRegistryUnavailableError, type RegisteredSchema, type SchemaRegistryClient } from '@app/schema-registry';
import { Logger } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { RegistryContracts } from './registry-contracts';

const jsonSchema = (id: number, required: string[]): RegisteredSchema => ({
  id,
  type: 'JSON',
  schema: JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', required }),
});

describe('RegistryContracts', () => {
  const latest = jest.fn<Promise<RegisteredSchema | undefined>, [string]>();
  let now = 0;
  let contracts: RegistryContracts;
  jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);

  beforeEach(() => {
    latest.mockReset();
    now = 0;
    const client = { latest, displayUrl: 'http://registry' } as unknown as SchemaRegistryClient;
    contracts = new RegistryContracts(client, () => now);
  });

  it("fetches a topic's <topic>-value once, however many requests wait, then answers from memory", async () => {
    latest.mockResolvedValue(jsonSchema(3, ['id']));
    const [a, b] = await Promise.all([contracts.get('orders'), contracts.get('orders')]);
    expect(a).toBe(b);
    expect(a?.schemaId).toBe(3);
    expect(latest).toHaveBeenCalledTimes(1);
    expect(latest).toHaveBeenCalledWith('orders-value');
    expect(contracts.get('orders')).toBe(a);
  });

  it('gives a topic without the subject no contract, and remembers that', async () => {
    latest.mockResolvedValue(undefined);
    expect(await contracts.get('plain')).toBeUndefined();
    expect(contracts.get('plain')).toBeUndefined();
  });

  it('keeps the cached contract through an outage and takes a new version when the registry is back', async () => {
    latest.mockResolvedValueOnce(jsonSchema(3, ['id']));
    await contracts.get('orders');
    latest.mockRejectedValueOnce(new SchemaRegistryUnavailableError('down'));
    await contracts.refreshAll();
    expect((contracts.get('orders') as { schemaId: number }).schemaId).toBe(3);
    latest.mockResolvedValueOnce(jsonSchema(4, ['id', 'total']));
    await contracts.refreshAll();
    expect((contracts.get('orders') as { schemaId: number }).schemaId).toBe(4);
  });

  it('answers 503 SCHEMA_REGISTRY_UNAVAILABLE with Retry-After for a topic never fetched, asking again after a second', async () => {
    latest.mockRejectedValue(new SchemaRegistryUnavailableError('connection refused'));
    const failed = await Promise.resolve(contracts.get('orders')).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ApiError);
    expect(failed).toMatchObject({ code: 'SCHEMA_REGISTRY_UNAVAILABLE', status: 503, retryAfterSeconds: 5 });
    await expect(Promise.resolve(contracts.get('orders'))).rejects.toMatchObject({
      code: 'SCHEMA_REGISTRY_UNAVAILABLE',
    });
    expect(latest).toHaveBeenCalledTimes(1);
    now = 1_000;
    latest.mockResolvedValue(jsonSchema(5, []));
    expect((await contracts.get('orders'))?.schemaId).toBe(5);
  });
});
