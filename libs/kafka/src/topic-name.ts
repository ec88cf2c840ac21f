/** Kafka's own rule for topic names (the broker also refuses "." and "..": see isTopicName). */
export const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** Whether Kafka accepts `text` as a topic name. */
export function isTopicName(text: string): boolean {
  return TOPIC_NAME.test(text) && text !== '.' && text !== '..';
}
