import { fromWireFormat } from '@app/schema-registry';
import { Type, type Schema } from 'avsc';
import { avroContract } from './avro-contract';

const user: Schema = {
  type: 'record',
  name: 'User',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'age', type: 'int' },
    { name: 'email', type: ['null', 'string'], default: null },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'plan', type: { type: 'enum', name: 'Plan', symbols: ['FREE', 'PRO'] } },
  ],
};

describe('avroContract', () => {
  const contract = avroContract(JSON.stringify(user), 'users-value', 12);
  const good = { name: 'Ada', age: 36, email: 'ada@example.com', tags: ['a'], plan: 'PRO' };

  it('takes the JSON form of a value, unions unwrapped', () => {
    expect(contract.violations(good)).toBeUndefined();
    expect(contract.violations({ ...good, email: null })).toBeUndefined();
  });

  it('names every violation by its path', () => {
    expect(contract.violations({ age: 1.5, email: 3, tags: ['a', 2], plan: 'GOLD', extra: true })).toEqual(
      expect.arrayContaining([
        { field: 'payload.name', message: 'payload.name is required' },
        { field: 'payload.age', message: 'payload.age must be an integer (Avro int)' },
        { field: 'payload.tags[1]', message: 'payload.tags[1] must be a string' },
        { field: 'payload.plan', message: 'payload.plan must be one of FREE, PRO' },
      ]),
    );
  });

  it('writes Avro binary in the wire format, which an Avro reader decodes', () => {
    const wire = fromWireFormat(contract.encode(good));
    expect(wire?.schemaId).toBe(12);
    expect(Type.forSchema(user).fromBuffer(wire!.body)).toEqual(good);
  });
});
