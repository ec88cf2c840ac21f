import { postJson, type JsonResponse } from './http';
import { waitFor } from './processes';

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

/** Posts `record` to the ingress's /produce every 500 ms until it is answered 200, and returns that answer. */
export function produceUntilAccepted(ingressUrl: string, record: object, timeoutMs: number): Promise<JsonResponse> {
  return waitFor(
    'a produce to succeed again',
    async () => {
      const response = await postJson(`${ingressUrl}/produce`, record);
      return response.status === 200 ? response : undefined;
    },
    timeoutMs,
    500,
  );
}
