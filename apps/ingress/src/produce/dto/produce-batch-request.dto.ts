import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayNotEmpty, IsArray, IsObject, ValidateNested } from 'class-validator';
import { RecordDto } from './record.dto';
import { IsTopicName } from './topic';

/** `POST /produce/batch`: records for one topic, each answered in order. */
export class ProduceBatchRequestDto {
  @IsTopicName()
  topic!: string;

  @ApiProperty({
    type: () => [RecordDto],
    minItems: 1,
    description: 'Up to INGRESS_MAX_BATCH_MESSAGES (default 500) records.',
  })
  @IsArray({ message: 'messages must be an array of records' })
  @ArrayNotEmpty({ message: 'messages must contain at least one record' })
  @IsObject({ each: true, message: 'each item of messages must be an object' })
  @ValidateNested({ each: true })
  @Type(() => RecordDto)
  messages!: RecordDto[];
}
