import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';

/** Per-request overrides of the simulator's behaviour, e.g. `?minDelayMs=0&maxDelayMs=0&failRate=0`. */
export class SimulatorQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 600_000, description: 'Shortest delay (ms).' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'minDelayMs must be an integer from 0 to 600000' })
  @Min(0, { message: 'minDelayMs must be an integer from 0 to 600000' })
  @Max(600_000, { message: 'minDelayMs must be an integer from 0 to 600000' })
  minDelayMs?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 600_000, description: 'Longest delay (ms).' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'maxDelayMs must be an integer from 0 to 600000' })
  @Min(0, { message: 'maxDelayMs must be an integer from 0 to 600000' })
  @Max(600_000, { message: 'maxDelayMs must be an integer from 0 to 600000' })
  maxDelayMs?: number;

  /** Total failure probability, split between 500, 400 and 503 in the configured proportions. */
  @ApiPropertyOptional({ type: 'number', minimum: 0, maximum: 1, description: 'Total failure probability (0 turns failures off).' })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({}, { message: 'failRate must be a number from 0 to 1' })
  @Min(0, { message: 'failRate must be a number from 0 to 1' })
  @Max(1, { message: 'failRate must be a number from 0 to 1' })
  failRate?: number;
}
