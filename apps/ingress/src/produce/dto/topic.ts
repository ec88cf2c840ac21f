import { TOPIC_NAME } from '@app/kafka';
import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, NotEquals } from 'class-validator';

export function IsTopicName() {
  const message = 'topic must be 1-249 characters of letters, digits, ".", "_" or "-", and not "." or ".."';
  return applyDecorators(
    ApiProperty({
      type: String,
      pattern: TOPIC_NAME.source,
      minLength: 1,
      maxLength: 249,
      description: 'A Kafka topic name (not "." or "..").',
      example: 'orders',
    }),
    IsString({ message }),
    Matches(TOPIC_NAME, { message }),
    NotEquals('.', { message }),
    NotEquals('..', { message }),
  );
}
