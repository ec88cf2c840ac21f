import type { OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'undici';
import { networkError, type DeliveryHttpClient, type DeliveryRequest, type DeliveryResponse } from './delivery-http-client';

/**
 * A lean client on undici: one connection pool per target origin (a forwarder has one target),
 * keep-alive, sized to the worker count, without the per-request AbortSignal and redirect
 * layers that the generic agent adds.
 */
export class UndiciDeliveryClient implements DeliveryHttpClient, OnApplicationShutdown {
  private readonly pools = new Map<string, Pool>();
  private parsed?: { url: string; origin: string; path: string };

  constructor(private readonly connections: number) {}

  async post(request: DeliveryRequest): Promise<DeliveryResponse> {
    const { origin, path } = this.target(request.url);
    try {
      // undici's own timers: the answer's headers, then each body chunk.
      const response = await this.pool(origin).request({
        path,
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: request.signal,
        headersTimeout: request.timeoutMs,
        bodyTimeout: request.timeoutMs,
      });
      await response.body.dump();
      const retryAfter = response.headers['retry-after'];
      return { status: response.statusCode, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined };
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw networkError(error, code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT', request.signal.aborted);
    }
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: this.connections, pipelining: 1, keepAliveTimeout: 30_000 });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /** The target URL is the same for every request: parse it once. */
  private target(url: string): { origin: string; path: string } {
    if (this.parsed?.url !== url) {
      const parsed = new URL(url);
      this.parsed = { url, origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    }
    return this.parsed;
  }
}
