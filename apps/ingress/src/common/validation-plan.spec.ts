import fc from 'fast-check';
import { validate } from 'class-validator';
import { ProduceBatchRequestDto } from '../produce/dto/produce-batch-request.dto';
import { ProduceRequestDto } from '../produce/dto/produce-request.dto';
import { RecordDto } from '../produce/dto/record.dto';
import { passesValidation } from './validation-plan';

const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false, value: false } };

/** A DTO instance as RequestValidationPipe builds it: the declared keys of a plain body. */
function instanceOf<T extends object>(type: new () => T, fields: Record<string, unknown>): T {
  return Object.assign(Object.create(type.prototype) as T, fields);
}

const absent = fc.constant(undefined);
const anyValue = fc.oneof(fc.jsonValue(), fc.constant(undefined));
const topic = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/),
  fc.constantFrom('.', '..', '', 'a'.repeat(250), 'no spaces', 'ü'),
  anyValue,
);
const headerName = fc.oneof(fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/), fc.string({ maxLength: 6 }));
const headerValue = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('a\nb', 'x'.repeat(8_193), 'ok'), anyValue);
const recordFields = fc.record(
  {
    key: fc.oneof(fc.string({ maxLength: 8 }), fc.constant(null), absent, fc.integer(), fc.boolean(), fc.object()),
    payload: fc.oneof(fc.jsonValue(), fc.constant(null), absent),
    partition: fc.oneof(
      fc.nat({ max: 40 }),
      fc.constantFrom(-1, 1.5, 2 ** 31, 2 ** 31 - 1, '3', null, Number.NaN),
      absent,
    ),
    headers: fc.oneof(
      fc.dictionary(headerName, headerValue, { maxKeys: 4 }),
      fc.constantFrom(null, [], 'h', 7),
      absent,
    ),
  },
  { requiredKeys: [] },
);
const record = recordFields.map((fields) => instanceOf(RecordDto, fields));
const validRecord = fc
  .record(
    {
      key: fc.oneof(fc.string({ maxLength: 8 }), fc.constant(null)),
      payload: fc.jsonValue(),
      partition: fc.nat({ max: 40 }),
      headers: fc.dictionary(fc.stringMatching(/^[a-z-]{1,8}$/), fc.stringMatching(/^[a-z ]{0,8}$/), { maxKeys: 3 }),
    },
    { requiredKeys: ['payload'] },
  )
  .map((fields) => instanceOf(RecordDto, fields));
const item = fc.oneof({ weight: 5, arbitrary: record }, fc.constantFrom(null, 1, 'x', [], undefined), fc.array(record));

async function agreesWithClassValidator(instance: object): Promise<boolean | undefined> {
  const verdict = passesValidation(instance);
  const errors = await validate(instance, OPTIONS);
  if (verdict === true) expect(errors).toEqual([]);
  if (verdict === false) expect(errors.length).toBeGreaterThan(0);
  return verdict;
}

describe('passesValidation', () => {
  it('accepts the bodies class-validator accepts and refuses what it refuses: /produce', async () => {
    const verdicts: Array<boolean | undefined> = [];
    await fc.assert(
      fc.asyncProperty(topic, recordFields, async (name, fields) => {
        verdicts.push(await agreesWithClassValidator(instanceOf(ProduceRequestDto, { ...fields, topic: name })));
      }),
      { numRuns: 1_000 },
    );
    // The point of it: the common valid body is decided without class-validator's error objects.
    expect(verdicts.filter((v) => v === true).length).toBeGreaterThan(20);
    expect(verdicts.filter((v) => v === false).length).toBeGreaterThan(50);
  });

  it('accepts the bodies class-validator accepts and refuses what it refuses: /produce/batch', async () => {
    const verdicts: Array<boolean | undefined> = [];
    await fc.assert(
      fc.asyncProperty(
        topic,
        fc.oneof(
          fc.array(item, { maxLength: 6 }),
          fc.array(record, { minLength: 1, maxLength: 6 }),
          fc.array(validRecord, { minLength: 1, maxLength: 6 }),
          anyValue,
        ),
        async (name, messages) => {
          verdicts.push(await agreesWithClassValidator(instanceOf(ProduceBatchRequestDto, { topic: name, messages })));
        },
      ),
      { numRuns: 1_000 },
    );
    expect(verdicts.filter((v) => v === true).length).toBeGreaterThan(20);
  });

  it('decides a typical body of each endpoint as valid', () => {
    const message = {
      key: 'user-42',
      payload: { data: 'x'.repeat(1_000) },
      headers: { 'content-type': 'application/json' },
    };
    expect(passesValidation(instanceOf(ProduceRequestDto, { topic: 'orders', ...message }))).toBe(true);
    const messages = Array.from({ length: 100 }, () => instanceOf(RecordDto, { key: null, payload: message.payload }));
    expect(passesValidation(instanceOf(ProduceBatchRequestDto, { topic: 'orders', messages }))).toBe(true);
    expect(passesValidation(instanceOf(ProduceBatchRequestDto, { topic: 'orders', messages: [] }))).toBe(false);
    expect(passesValidation(instanceOf(ProduceRequestDto, { topic: 'orders' }))).toBe(false);
  });

  it('leaves to class-validator what its plan does not model: keys the class does not declare', () => {
    expect(
      passesValidation(instanceOf(ProduceRequestDto, { topic: 'orders', payload: 1, extra: true })),
    ).toBeUndefined();
  });
});
