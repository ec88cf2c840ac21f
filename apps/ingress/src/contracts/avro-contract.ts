import { toWireFormat } from '@app/schema-registry';
import { Type, types, type Schema } from 'avsc';
import type { ErrorDetail } from '../common/api-error';
import { payloadField, type Contract } from './contract';

/**
 * An Avro schema from the registry. A payload is the JSON form of a value of the schema (unions
 * unwrapped where unambiguous, as avsc reads them); a conforming one is written as Avro binary
 * in the wire format. Throws on a schema avsc cannot parse.
 */
export function avroContract(schema: string, source: string, schemaId: number): Contract {
  return new AvroContract(Type.forSchema(JSON.parse(schema) as Schema), source, schemaId);
}

class AvroContract implements Contract {
  constructor(
    private readonly type: Type,
    readonly source: string,
    readonly schemaId: number,
  ) {}

  violations(payload: unknown): ErrorDetail[] | undefined {
    // One pass for what conforms; the passes that name the violations only for what does not.
    if (this.type.isValid(payload, STRICT)) return undefined;
    const details: ErrorDetail[] = [];
    this.type.isValid(payload, {
      errorHook: (path: string[], value: unknown, type: Type) => {
        const field = payloadField(path);
        if (value === undefined) details.push({ field, message: `${field} is required` });
        else details.push({ field, message: `${field} must be ${describe(type)}` });
      },
    });
    // Fields the schema does not declare would be dropped silently by the encoder: refused.
    this.type.isValid(payload, {
      noUndeclaredFields: true,
      errorHook: (path: string[], value: unknown, type: Type) => {
        if (!isRecord(type) || typeof value !== 'object' || value === null || Array.isArray(value)) return;
        const declared = new Set(type.fields.map((f) => f.name));
        for (const name of Object.keys(value)) {
          if (declared.has(name)) continue;
          const field = payloadField([...path, name]);
          details.push({ field, message: `${field} is not allowed` });
        }
      },
    });
    return details.length > 0 ? details : [{ field: 'payload', message: 'payload does not conform to the schema' }];
  }

  encode(payload: unknown): Buffer {
    return toWireFormat(this.schemaId, this.type.toBuffer(payload));
  }
}

const STRICT = { noUndeclaredFields: true };

function isRecord(type: Type): type is types.RecordType {
  return type instanceof types.RecordType;
}

function describe(type: Type): string {
  const name = type.typeName;
  if (name === 'record' || name === 'error') return `an object of record ${type.name ?? ''}`.trimEnd();
  if (name === 'enum') return `one of ${(type as Type & { symbols: string[] }).symbols.join(', ')}`;
  if (name === 'array') return 'an array';
  if (name === 'map') return 'an object';
  if (name.startsWith('union')) return 'a value of one of the union branches';
  if (name === 'int' || name === 'long') return `an integer (Avro ${name})`;
  if (name === 'float' || name === 'double') return `a number (Avro ${name})`;
  if (name === 'bytes' || name === 'fixed') return `bytes (Avro ${name})`;
  return `a ${name}`;
}
