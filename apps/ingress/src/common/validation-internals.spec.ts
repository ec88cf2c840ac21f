import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { ProduceBatchRequestDto } from '../produce/dto/produce-batch-request.dto';
import { ProduceRequestDto } from '../produce/dto/produce-request.dto';
import { RecordDto } from '../produce/dto/record.dto';

/**
 * validation-plan.ts, validation-metadata-cache.ts and RequestValidationPipe's instance building
 * read class-validator's and class-transformer's internals (MetadataStorage, ValidationMetadata,
 * ConstraintMetadata, class-transformer's type metadata). They are kept for a measured gain (README,
 * "Working on the code"): /produce/batch x100 validates in 373 instead of 690 CPU µs. This spec
 * fails the day those internals change, so the override is re-checked, or dropped, on purpose.
 */
const WRITTEN_AGAINST = { 'class-validator': '0.15.1', 'class-transformer': '0.5.1' };

describe('the class-validator and class-transformer internals the validation plan relies on', () => {
  it.each(Object.entries(WRITTEN_AGAINST))(
    '%s is the version the plan and the cache were written against (%s): re-check them before moving',
    (name, version) => {
      const manifest = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string };
      expect(manifest.version).toBe(version);
    },
  );

  it('MetadataStorage has the methods the cache wraps, with the arguments it passes', () => {
    const storage = getMetadataStorage() as unknown as Record<string, unknown>;
    const methods: Record<string, number> = {
      getTargetValidationMetadatas: 5,
      groupByPropertyName: 1,
      getTargetValidatorConstraints: 1,
      addValidationMetadata: 1,
      addConstraintMetadata: 1,
      addValidationSchema: 1,
    };
    for (const [name, arity] of Object.entries(methods)) {
      expect([name, typeof storage[name]]).toEqual([name, 'function']);
      expect([name, (storage[name] as (...args: never[]) => unknown).length]).toEqual([name, arity]);
    }
  });

  it('ValidationMetadata and ConstraintMetadata carry the fields the plan reads', () => {
    const storage = getMetadataStorage();
    for (const dto of [ProduceRequestDto, ProduceBatchRequestDto, RecordDto]) {
      const metadatas = storage.getTargetValidationMetadatas(dto, '', false, false, undefined);
      expect(metadatas.length).toBeGreaterThan(0);
      for (const metadata of metadatas) {
        expect(Object.values(ValidationTypes)).toContain(metadata.type);
        expect(typeof metadata.propertyName).toBe('string');
        expect(metadata).toHaveProperty('constraints');
        expect(metadata).toHaveProperty('each');
        expect(metadata).toHaveProperty('groups');
        if (metadata.type !== ValidationTypes.CUSTOM_VALIDATION) continue;
        const constraints = storage.getTargetValidatorConstraints(metadata.constraintCls);
        expect(constraints.length).toBeGreaterThan(0);
        for (const constraint of constraints) {
          expect(typeof constraint.instance.validate).toBe('function');
          expect(typeof constraint.async).toBe('boolean');
        }
      }
    }
    for (const name of ['CUSTOM_VALIDATION', 'CONDITIONAL_VALIDATION', 'NESTED_VALIDATION', 'WHITELIST'] as const)
      expect([name, typeof ValidationTypes[name]]).toEqual([name, 'string']);
  });

  it("class-transformer's storage names the nested DTO classes of @Type()", () => {
    const typeOf = (target: object, key: string) =>
      defaultMetadataStorage.findTypeMetadata(target as never, key)?.typeFunction();
    expect(typeOf(ProduceBatchRequestDto, 'messages')).toBe(RecordDto);
  });
});
