import fc from 'fast-check';
import { avroContract } from './avro-contract';
import { payloadField } from './contract';
import { jsonSchemaContract } from './json-schema-contract';

/** A small schema language both JSON Schema and Avro can say, so one generator feeds both. */
type Shape =
  | { kind: 'string' }
  | { kind: 'int' }
  | { kind: 'boolean' }
  | { kind: 'enum'; symbols: string[] }
  | { kind: 'array'; items: Shape }
  | { kind: 'record'; fields: [string, Shape][] };

const fieldName = fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/);
const symbol = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,5}$/);

const shape: fc.Arbitrary<Shape> = fc.letrec<{ shape: Shape }>((tie) => ({
  shape: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant<Shape>({ kind: 'string' }),
    fc.constant<Shape>({ kind: 'int' }),
    fc.constant<Shape>({ kind: 'boolean' }),
    fc.uniqueArray(symbol, { minLength: 1, maxLength: 4 }).map((symbols): Shape => ({ kind: 'enum', symbols })),
    tie('shape').map((items): Shape => ({ kind: 'array', items })),
    fc
      .uniqueArray(fc.tuple(fieldName, tie('shape')), { minLength: 1, maxLength: 5, selector: ([name]) => name })
      .map((fields): Shape => ({ kind: 'record', fields })),
  ),
})).shape;
const recordShape = fc
  .uniqueArray(fc.tuple(fieldName, shape), { minLength: 1, maxLength: 6, selector: ([name]) => name })
  .map((fields): Shape => ({ kind: 'record', fields }));

function jsonSchemaOf(s: Shape): object {
  switch (s.kind) {
    case 'string':
      return { type: 'string' };
    case 'int':
      return { type: 'integer', minimum: -(2 ** 31), maximum: 2 ** 31 - 1 };
    case 'boolean':
      return { type: 'boolean' };
    case 'enum':
      return { enum: s.symbols };
    case 'array':
      return { type: 'array', items: jsonSchemaOf(s.items) };
    case 'record':
      return {
        type: 'object',
        properties: Object.fromEntries(s.fields.map(([name, f]) => [name, jsonSchemaOf(f)])),
        required: s.fields.map(([name]) => name),
        additionalProperties: false,
      };
  }
}

let names = 0;
function avroOf(s: Shape): unknown {
  switch (s.kind) {
    case 'string':
    case 'int':
    case 'boolean':
      return s.kind;
    case 'enum':
      return { type: 'enum', name: `E${names++}`, symbols: s.symbols };
    case 'array':
      return { type: 'array', items: avroOf(s.items) };
    case 'record':
      return { type: 'record', name: `R${names++}`, fields: s.fields.map(([name, f]) => ({ name, type: avroOf(f) })) };
  }
}

function valueOf(s: Shape): fc.Arbitrary<unknown> {
  switch (s.kind) {
    case 'string':
      return fc.string();
    case 'int':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'boolean':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...s.symbols);
    case 'array':
      return fc.array(valueOf(s.items), { maxLength: 4 });
    case 'record':
      return fc.record(Object.fromEntries(s.fields.map(([name, f]) => [name, valueOf(f)])));
  }
}

/** A value no shape of this kind accepts. */
function wrongFor(s: Shape): unknown {
  return s.kind === 'string' || s.kind === 'enum' ? 12345 : 'not-this-kind';
}

/** Every path to a value inside the payload, with the shape found there. */
function paths(s: Shape, value: unknown, at: (string | number)[] = []): [(string | number)[], Shape][] {
  const here: [(string | number)[], Shape][] = [[at, s]];
  if (s.kind === 'array')
    return here.concat((value as unknown[]).flatMap((item, i) => paths(s.items, item, [...at, i])));
  if (s.kind === 'record')
    return here.concat(
      s.fields.flatMap(([name, f]) => paths(f, (value as Record<string, unknown>)[name], [...at, name])),
    );
  return here;
}

function setAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  copy[path[0]] = setAt(copy[path[0]], path.slice(1), replacement);
  return copy;
}

const contracts = [
  [
    'JSON Schema 2020-12',
    (s: Shape) =>
      jsonSchemaContract({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...jsonSchemaOf(s) }, 'p'),
  ],
  [
    'JSON Schema draft-07',
    (s: Shape) => jsonSchemaContract({ $schema: 'http://json-schema.org/draft-07/schema#', ...jsonSchemaOf(s) }, 'p'),
  ],
  ['Avro', (s: Shape) => avroContract(JSON.stringify(avroOf(s)), 'p', 1)],
] as const;

describe.each(contracts)('%s contracts (property)', (_, contractOf) => {
  const cases = recordShape.chain((s) =>
    valueOf(s).chain((value) => {
      const all = paths(s, value);
      return fc.record({ shape: fc.constant(s), value: fc.constant(value), pick: fc.nat(all.length - 1) });
    }),
  );

  it('accepts every payload generated from the schema', () => {
    fc.assert(
      fc.property(cases, ({ shape: s, value }) => {
        expect(contractOf(s).violations(value)).toBeUndefined();
      }),
      { numRuns: 50 },
    );
  });

  it('refuses a payload with one value of the wrong kind, naming that field', () => {
    fc.assert(
      fc.property(cases, ({ shape: s, value, pick }) => {
        const [path, found] = paths(s, value)[pick];
        const violations = contractOf(s).violations(setAt(value, path, wrongFor(found)));
        expect(violations?.map((v) => v.field)).toContain(payloadField(path));
      }),
      { numRuns: 50 },
    );
  });

  it('refuses a payload missing a required field, naming that field', () => {
    fc.assert(
      fc.property(cases, ({ shape: s, value, pick }) => {
        const records = paths(s, value).filter(([, f]) => f.kind === 'record');
        const [path, found] = records[pick % records.length];
        const [name] = (found as Extract<Shape, { kind: 'record' }>).fields[0];
        const record = path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], value) as object;
        const { [name]: removed, ...rest } = record as Record<string, unknown>;
        void removed;
        const violations = contractOf(s).violations(setAt(value, path, rest));
        expect(violations).toContainEqual({
          field: payloadField([...path, name]),
          message: `${payloadField([...path, name])} is required`,
        });
      }),
      { numRuns: 50 },
    );
  });
});
