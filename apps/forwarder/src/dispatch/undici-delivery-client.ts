import type { OnApplicationShutdown } from '@nestjs/common';
import { Agent } from 'undici';
import { networkError, type DeliveryHttpClient, type DeliveryRequest, type DeliveryResponse } from './delivery-http-client';

/** A leaner client on undici's connection pool, for targets where axios is the bottleneck. */
export class UndiciDeliveryClient implements DeliveryHttpClient, OnApplicationShutdown {
  private readonly agent: Agent;

  constructor(connections: number) {
    this.agent = new Agent({ connections, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  async post(request: DeliveryRequest): Promise<DeliveryResponse> {
    const timeout = AbortSignal.timeout(request.timeoutMs);
    try {
      const response = await this.agent.request({
        origin: new URL(request.url).origin,
        path: pathOf(request.url),
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.any([request.signal, timeout]),
      });
      await response.body.dump();
      const retryAfter = response.headers['retry-after'];
      return { status: response.statusCode, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined };
    } catch (error) {
      throw networkError(error, timeout.aborted, request.signal.aborted);
    }
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function pathOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}
