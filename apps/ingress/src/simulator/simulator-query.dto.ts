import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, type TransformFnParams } from 'class-transformer';
import { IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';

/** A number as JSON writes one; Number() would also take "", " 5" or "0x10" (as 0, 5 and 16). */
const DECIMAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** Query values arrive as text: a decimal number becomes a number, anything else stays text and is refused. */
function decimal({ value }: TransformFnParams): unknown {
  return typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value;
}

/** Per-request overrides of the simulator's behaviour, e.g. `?minDelayMs=0&maxDelayMs=0&failRate=0`. */
export class SimulatorQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 600_000, description: 'Shortest delay (ms).' })
  @IsOptional()
  @Transform(decimal)
  @IsInt({ message: 'minDelayMs must be an integer from 0 to 600000' })
  @Min(0, { message: 'minDelayMs must be an integer from 0 to 600000' })
  @Max(600_000, { message: 'minDelayMs must be an integer from 0 to 600000' })
  minDelayMs?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 600_000, description: 'Longest delay (ms).' })
  @IsOptional()
  @Transform(decimal)
  @IsInt({ message: 'maxDelayMs must be an integer from 0 to 600000' })
  @Min(0, { message: 'maxDelayMs must be an integer from 0 to 600000' })
  @Max(600_000, { message: 'maxDelayMs must be an integer from 0 to 600000' })
  maxDelayMs?: number;

  /** Total failure probability, split between 500, 400 and 503 in the configured proportions. */
  @ApiPropertyOptional({
    type: 'number',
    minimum: 0,
    maximum: 1,
    description: 'Total failure probability (0 turns failures off).',
  })
  @IsOptional()
  @Transform(decimal)
  @IsNumber({}, { message: 'failRate must be a number from 0 to 1' })
  @Min(0, { message: 'failRate must be a number from 0 to 1' })
  @Max(1, { message: 'failRate must be a number from 0 to 1' })
  failRate?: number;
}
