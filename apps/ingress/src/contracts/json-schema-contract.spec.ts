import { fromWireFormat } from '@app/schema-registry';
import { jsonSchemaContract } from './json-schema-contract';

const order = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    email: { type: 'string', format: 'email' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: { sku: { type: 'string', minLength: 1 }, qty: { type: 'integer', minimum: 1 } },
        required: ['sku', 'qty'],
      },
    },
  },
  required: ['id', 'items'],
  additionalProperties: false,
};

describe('jsonSchemaContract', () => {
  const good = { id: '4b7f9c1e-3a5d-4f6e-9b8a-1c2d3e4f5a6b', email: 'a@b.example', items: [{ sku: 'x', qty: 1 }] };

  it.each([
    ['draft-07', 'http://json-schema.org/draft-07/schema#'],
    ['2020-12', 'https://json-schema.org/draft/2020-12/schema'],
    ['no $schema (draft-07)', undefined],
  ])('checks payloads against a %s schema, formats included', (_, dialect) => {
    const contract = jsonSchemaContract({ ...order, $schema: dialect }, 'orders.json');
    expect(contract.violations(good)).toBeUndefined();
    expect(contract.violations({ ...good, email: 'not an address' })).toEqual([
      { field: 'payload.email', message: 'payload.email must match format "email"' },
    ]);
  });

  it('names every violation by its path into the payload, as the other details do', () => {
    const contract = jsonSchemaContract(order, 'orders.json');
    const violations = contract.violations({
      id: 'x',
      extra: 1,
      items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 1 }, { qty: 0 }],
    });
    expect(violations).toEqual(
      expect.arrayContaining([
        { field: 'payload.id', message: 'payload.id must match format "uuid"' },
        { field: 'payload.extra', message: 'payload.extra is not allowed' },
        { field: 'payload.items[2].sku', message: 'payload.items[2].sku is required' },
        { field: 'payload.items[2].qty', message: 'payload.items[2].qty must be >= 1' },
      ]),
    );
    expect(violations).toHaveLength(4);
  });

  it('checks a payload that is not an object, and names odd keys in brackets', () => {
    const contract = jsonSchemaContract(
      { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', required: ['a b'] },
      'odd.json',
    );
    expect(contract.violations([])).toEqual([{ field: 'payload', message: 'payload must be object' }]);
    expect(contract.violations({})).toEqual([{ field: 'payload["a b"]', message: 'payload["a b"] is required' }]);
  });

  it('writes the JSON text, in the wire format when the contract has a registry id', () => {
    expect(jsonSchemaContract(order, 'f').encode(good).toString()).toBe(JSON.stringify(good));
    const wire = fromWireFormat(jsonSchemaContract(order, 's', 7).encode(good));
    expect(wire?.schemaId).toBe(7);
    expect(wire?.body.toString()).toBe(JSON.stringify(good));
  });

  it('refuses what is not a usable schema', () => {
    expect(() => jsonSchemaContract([], 'f')).toThrow('a JSON Schema must be a JSON object');
    expect(() => jsonSchemaContract({ type: 'no-such-type' }, 'f')).toThrow();
    expect(() => jsonSchemaContract({ $schema: 'http://json-schema.org/draft-03/schema#' }, 'f')).toThrow(
      'is not draft-07, 2019-09 or 2020-12',
    );
  });

  it('compiles the same $id twice (a file edited on disk)', () => {
    const schema = { $id: 'https://example.com/order', type: 'object' };
    jsonSchemaContract(schema, 'f');
    expect(() => jsonSchemaContract({ ...schema, required: ['a'] }, 'f')).not.toThrow();
  });
});
