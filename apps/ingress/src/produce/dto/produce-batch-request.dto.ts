import { Type } from 'class-transformer';
import { ArrayNotEmpty, IsArray, IsObject, ValidateNested } from 'class-validator';
import { RecordDto } from './record.dto';
import { IsTopicName } from './topic';

/** `POST /produce/batch`: records for one topic, each answered in order. */
export class ProduceBatchRequestDto {
  @IsTopicName()
  topic!: string;

  @IsArray({ message: 'messages must be an array of records' })
  @ArrayNotEmpty({ message: 'messages must contain at least one record' })
  @IsObject({ each: true, message: 'each item of messages must be an object' })
  @ValidateNested({ each: true })
  @Type(() => RecordDto)
  messages!: RecordDto[];
}
