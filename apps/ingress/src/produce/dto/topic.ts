import { applyDecorators } from '@nestjs/common';
import { IsString, Matches, NotEquals } from 'class-validator';

/** Kafka's own rule for topic names. */
export const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export function IsTopicName() {
  const message = 'topic must be 1-249 characters of letters, digits, ".", "_" or "-", and not "." or ".."';
  return applyDecorators(IsString({ message }), Matches(TOPIC_NAME, { message }), NotEquals('.', { message }), NotEquals('..', { message }));
}
