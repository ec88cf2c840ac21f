import { IsInt, IsOptional, IsString, Min, ValidateNested, validate, type ValidationError } from 'class-validator';
import { cacheValidationMetadata } from './validation-metadata-cache';

class Item {
  @IsInt({ message: 'count must be an integer' })
  @Min(1)
  count!: unknown;
}

class Order {
  @IsString()
  id!: unknown;

  @IsOptional()
  @ValidateNested({ each: true })
  items?: unknown;
}

const options = { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false, value: false } };

function order(id: unknown, items: unknown[], extra: Record<string, unknown> = {}): Order {
  const instance = Object.assign(
    new Order(),
    { id, items: items.map((count) => Object.assign(new Item(), { count })) },
    extra,
  );
  return instance;
}

const summary = (errors: ValidationError[]): unknown =>
  errors.map((e) => ({ property: e.property, constraints: e.constraints, children: summary(e.children ?? []) }));

describe('cacheValidationMetadata', () => {
  it('leaves the errors class-validator reports exactly as they were', async () => {
    const cases = [order(1, [0, 'x', 2]), order('a', [3]), order('a', [], { stray: true }), order(null, [-1])];
    const before = await Promise.all(cases.map(async (c) => summary(await validate(c, options))));
    cacheValidationMetadata();
    const after = await Promise.all(cases.map(async (c) => summary(await validate(c, options))));
    expect(after).toEqual(before);
    expect(JSON.stringify(after)).toContain('count must be an integer');
    expect(JSON.stringify(after)).toContain('property stray should not exist');
  });

  it('sees a decorator registered after a class was first validated', async () => {
    cacheValidationMetadata();
    class Late {
      @IsString()
      name!: unknown;

      note?: unknown;
    }
    expect(await validate(Object.assign(new Late(), { name: 'n' }))).toHaveLength(0);
    IsInt({ message: 'note must be an integer' })(Late.prototype, 'note');
    const errors = await validate(Object.assign(new Late(), { name: 'n', note: 'x' }));
    expect(errors.map((e) => e.constraints)).toEqual([{ isInt: 'note must be an integer' }]);
  });
});
