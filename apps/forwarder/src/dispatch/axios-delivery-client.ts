import type { OnApplicationShutdown } from '@nestjs/common';
import type { HttpService } from '@nestjs/axios';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { firstValueFrom } from 'rxjs';
import type { ClientTls, TlsMaterial } from './client-tls';
import {
  networkError,
  type DeliveryHttpClient,
  type DeliveryRequest,
  type DeliveryResponse,
} from './delivery-http-client';

/**
 * The client when a proxy variable is set (or `--http-client axios`): @nestjs/axios over keep-alive
 * agents sized to the worker count. undici is the default (see forward-options-resolver.ts).
 */
export class AxiosDeliveryClient implements DeliveryHttpClient, OnApplicationShutdown {
  private readonly httpAgent: HttpAgent;
  private httpsAgent: HttpsAgent;

  /** `tls`: the client certificate and trust for https targets; a change starts a new agent. */
  constructor(
    private readonly http: HttpService,
    private readonly connections: number,
    private readonly tls?: ClientTls,
  ) {
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
    this.httpsAgent = this.newHttpsAgent(tls?.current);
    tls?.onChange((material) => {
      const old = this.httpsAgent;
      this.httpsAgent = this.newHttpsAgent(material);
      // Its requests in flight end within --timeout (at most 10 min); its idle connections go then.
      setTimeout(() => old.destroy(), 11 * 60_000).unref();
    });
  }

  private newHttpsAgent(material: TlsMaterial = {}): HttpsAgent {
    const max = this.connections;
    return new HttpsAgent({ keepAlive: true, maxSockets: max, maxFreeSockets: max, ...material });
  }

  async post(request: DeliveryRequest): Promise<DeliveryResponse> {
    try {
      const response = await firstValueFrom(
        this.http.post(request.url, request.body, {
          headers: request.headers,
          signal: request.signal,
          // axios' timeout (no AbortSignal per request): no answer within it aborts the request.
          timeout: request.timeoutMs,
          httpAgent: this.httpAgent,
          httpsAgent: this.httpsAgent,
          maxRedirects: 0,
          validateStatus: () => true,
          responseType: 'text',
          transformRequest: [(data: Buffer) => data],
          transformResponse: [(data: string) => data],
          maxContentLength: 10 * 1024 * 1024,
        }),
      );
      const retryAfter: unknown = response.headers['retry-after'];
      return { status: response.status, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined };
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw networkError(error, code === 'ECONNABORTED' || code === 'ETIMEDOUT', request.signal.aborted);
    }
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  close(): Promise<void> {
    this.tls?.stop();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    return Promise.resolve();
  }
}
