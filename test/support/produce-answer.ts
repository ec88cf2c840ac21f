/** The body of a 200 from POST /produce for one record written to `topic`, as a jest matcher. */
export function deliveredAnswer(topic: string): Record<string, unknown> {
  return {
    success: true,
    message: expect.stringMatching(/^Message delivered to topic /),
    topic,
    partition: expect.any(Number),
    offset: expect.any(Number),
    timestamp: expect.any(String),
  };
}
