import { IsTopicName } from './topic';
import { RecordDto } from './record.dto';

/** `POST /produce`: one record. */
export class ProduceRequestDto extends RecordDto {
  @IsTopicName()
  topic!: string;
}
