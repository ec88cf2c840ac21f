/** One POST to the target; the body is sent as given. */
export interface DeliveryRequest {
  url: string;
  body: Buffer;
  headers: Record<string, string>;
  timeoutMs: number;
  signal: AbortSignal;
}

export interface DeliveryResponse {
  status: number;
  /** Only what the dispatcher reads (Retry-After), lower-cased. */
  retryAfter?: string;
}

/** No answer came: the connection failed, or the timeout passed. */
export class DeliveryNetworkError extends Error {
  constructor(
    readonly kind: 'timeout' | 'connection' | 'aborted',
    message: string,
  ) {
    super(message);
  }
}

/** The HTTP client the dispatcher talks through; injected so tests and benchmarks can swap it. */
export interface DeliveryHttpClient {
  post(request: DeliveryRequest): Promise<DeliveryResponse>;
  close(): Promise<void>;
}

export const DELIVERY_HTTP_CLIENT = Symbol('DELIVERY_HTTP_CLIENT');

/** Maps what Node's HTTP stacks throw to a DeliveryNetworkError the dispatcher understands. */
export function networkError(error: unknown, timedOut: boolean, aborted: boolean): DeliveryNetworkError {
  if (aborted) return new DeliveryNetworkError('aborted', 'the delivery was cancelled');
  if (timedOut) return new DeliveryNetworkError('timeout', 'the target did not answer in time');
  const err = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code;
  return new DeliveryNetworkError(
    'connection',
    `${code ?? 'network error'}: ${err.cause?.message ?? err.message ?? 'no answer'}`,
  );
}
