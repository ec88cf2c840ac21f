import { ProduceRequestDto } from '../produce/dto/produce-request.dto';
import { SimulatorQueryDto } from '../simulator/simulator-query.dto';
import { ApiError } from './api-error';
import { RequestValidationPipe } from './request-validation.pipe';

async function refusal(value: unknown, type: 'body' | 'query', metatype: new () => object) {
  try {
    await new RequestValidationPipe().transform(value, { type, metatype });
  } catch (error) {
    if (error instanceof ApiError) return error.toBody();
    throw error;
  }
  throw new Error('the value was accepted');
}

describe('RequestValidationPipe', () => {
  it('says once that a missing topic is missing, in error and in details', async () => {
    const body = await refusal({ payload: 1 }, 'body', ProduceRequestDto);
    expect(body.details!.filter((d) => d.field === 'topic')).toHaveLength(1);
    expect(body.error.match(/topic must be/g)).toHaveLength(1);
  });

  it('says once that a query number is not a number', async () => {
    const body = await refusal({ minDelayMs: 'abc' }, 'query', SimulatorQueryDto);
    expect(body.details).toEqual([{ field: 'minDelayMs', message: expect.stringMatching(/^minDelayMs must be/) }]);
    expect(body.error.match(/minDelayMs must be/g)).toHaveLength(1);
  });

  it('still lists every failing field', async () => {
    const body = await refusal({ topic: 'bad topic', headers: 3 }, 'body', ProduceRequestDto);
    expect(new Set(body.details!.map((d) => d.field))).toEqual(new Set(['topic', 'payload', 'headers']));
  });
});
