import { toWireFormat } from '@app/schema-registry';
import Ajv, { type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ErrorDetail } from '../common/api-error';
import { payloadField, type Contract } from './contract';

const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-0[67]\/schema#?$/;
const DRAFT_2019 = /^https?:\/\/json-schema\.org\/draft\/2019-09\/schema#?$/;
const DRAFT_2020 = /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/;

/**
 * Compiles a JSON Schema once (draft-07 or 2020-12, 2019-09 too; draft-07 when `$schema` is
 * absent, as Confluent's serialisers assume). Each contract has its own Ajv instance, so a schema
 * edited on disk with the same `$id` compiles again instead of colliding with the old one.
 * Throws on a schema that does not compile.
 */
export function jsonSchemaContract(schema: unknown, source: string, schemaId?: number): Contract {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    throw new Error('a JSON Schema must be a JSON object');
  const validate = ajvFor(schema as AnySchemaObject).compile(schema);
  return new JsonSchemaContract(validate, source, schemaId);
}

function ajvFor(schema: AnySchemaObject): Ajv {
  const dialect = schema.$schema;
  // strict: false: contracts written for other validators may carry keywords Ajv does not know.
  const options = { allErrors: true, strict: false };
  let ajv: Ajv;
  if (dialect === undefined || DRAFT_07.test(String(dialect))) ajv = new Ajv(options);
  else if (DRAFT_2020.test(String(dialect))) ajv = new Ajv2020(options);
  else if (DRAFT_2019.test(String(dialect))) ajv = new Ajv2019(options);
  else throw new Error(`$schema ${JSON.stringify(dialect)} is not draft-07, 2019-09 or 2020-12`);
  addFormats(ajv);
  return ajv;
}

class JsonSchemaContract implements Contract {
  constructor(
    private readonly validate: ValidateFunction,
    readonly source: string,
    readonly schemaId?: number,
  ) {}

  violations(payload: unknown): ErrorDetail[] | undefined {
    if (this.validate(payload)) return undefined;
    return (this.validate.errors ?? []).map(detailOf);
  }

  encode(payload: unknown): Buffer {
    const text = JSON.stringify(payload);
    return this.schemaId === undefined ? Buffer.from(text) : toWireFormat(this.schemaId, text);
  }
}

function detailOf(error: ErrorObject): ErrorDetail {
  const segments = error.instancePath === '' ? [] : error.instancePath.slice(1).split('/').map(unescapePointer);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    const field = payloadField([...segments, String(params.missingProperty)]);
    return { field, message: `${field} is required` };
  }
  if (error.keyword === 'additionalProperties' || error.keyword === 'unevaluatedProperties') {
    const name = String(params.additionalProperty ?? params.unevaluatedProperty);
    const field = payloadField([...segments, name]);
    return { field, message: `${field} is not allowed` };
  }
  const field = payloadField(segments);
  return { field, message: `${field} ${error.message ?? 'does not conform'}` };
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
