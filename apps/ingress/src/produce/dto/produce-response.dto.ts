import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorDetailDto } from '../../common/api-errors.decorator';
import { ERROR_CODES, type ErrorCode } from '../../common/error-codes';

/** `200` of `POST /produce`: where every in-sync replica has the record. */
export class ProduceResponse {
  @ApiProperty({ enum: [true] })
  success!: true;

  @ApiProperty({
    description:
      'The same sentence the Go gateway answered, for clients that log or parse it; the fields below carry the same facts.',
    example: 'Message delivered to topic orders, partition 2, offset 1234',
  })
  message!: string;

  @ApiProperty({ example: 'orders' })
  topic!: string;

  @ApiProperty({ type: 'integer', minimum: 0, example: 2 })
  partition!: number;

  @ApiProperty({ type: 'integer', minimum: 0, example: 1234 })
  offset!: number;

  @ApiProperty({ format: 'date-time', example: '2026-11-27T18:18:06.630Z' })
  timestamp!: string;

  @ApiPropertyOptional({
    type: 'integer',
    description:
      "The Schema Registry id the record was written with, when the topic's contract comes from SCHEMA_REGISTRY_URL.",
    example: 7,
  })
  schemaId?: number;
}

/** One message of a batch: written, or why not. */
export class BatchItemResult {
  @ApiProperty()
  success!: boolean;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'When written.' })
  partition?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'When written.' })
  offset?: number;

  @ApiPropertyOptional({ format: 'date-time', description: 'When written.' })
  timestamp?: string;

  @ApiPropertyOptional({ description: 'When not written: a sentence for a person.' })
  error?: string;

  @ApiPropertyOptional({ enum: Object.keys(ERROR_CODES), description: 'When not written: the stable error code.' })
  code?: ErrorCode;

  @ApiPropertyOptional({ type: 'integer', description: 'When written with a Schema Registry contract: its id.' })
  schemaId?: number;

  @ApiPropertyOptional({
    type: () => [ErrorDetailDto],
    description: 'For SCHEMA_VALIDATION_FAILED: every violation of the contract.',
  })
  details?: ErrorDetailDto[];
}

export class ProduceBatchResponse {
  @ApiProperty({ description: 'true only when every message was written (status 200).' })
  success!: boolean;

  @ApiProperty({ example: 'orders' })
  topic!: string;

  @ApiProperty({ type: () => [BatchItemResult], description: 'One result per message, in order.' })
  results!: BatchItemResult[];
}
