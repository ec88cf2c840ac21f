/** A parsed JSON answer: tests assert its shape, so they read it without declaring one first. */
export type JsonBody = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- the shape is what the test asserts

export interface JsonResponse<T = JsonBody> {
  status: number;
  headers: Headers;
  body: T;
  ms: number;
}

/** POSTs JSON (or raw text) and returns status, headers, parsed body and elapsed time. */
export async function postJson<T = JsonBody>(
  url: string,
  body: unknown,
  init: { headers?: Record<string, string>; raw?: boolean; timeoutMs?: number } = {},
): Promise<JsonResponse<T>> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.raw ? (body as string) : JSON.stringify(body),
    signal: AbortSignal.timeout(init.timeoutMs ?? 60_000),
  });
  return jsonResponse(response, started);
}

export async function getJson<T = JsonBody>(url: string, timeoutMs = 30_000): Promise<JsonResponse<T>> {
  const started = performance.now();
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return jsonResponse(response, started);
}

async function jsonResponse<T>(response: Response, started: number): Promise<JsonResponse<T>> {
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : undefined,
    ms: performance.now() - started,
  };
}
