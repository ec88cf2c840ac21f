import type { OnApplicationShutdown } from '@nestjs/common';
import { Pool, type Dispatcher } from 'undici';
import type { ClientTls } from './client-tls';
import {
  DeliveryNetworkError,
  networkError,
  type DeliveryHttpClient,
  type DeliveryRequest,
  type DeliveryResponse,
} from './delivery-http-client';

/**
 * A lean client on undici's dispatcher API: one keep-alive connection pool per target origin (a
 * forwarder has one target), sized to the most requests that can be in flight. It reads the
 * status and Retry-After and drops the body as it arrives: no response stream, no body mixin,
 * and no abort listener per request (deliveries share their partition's signal, so one listener
 * per signal cancels every request under it).
 */
export class UndiciDeliveryClient implements DeliveryHttpClient, OnApplicationShutdown {
  private readonly pools = new Map<string, Pool>();
  private parsed?: { url: string; origin: string; path: string };
  private readonly underSignal = new WeakMap<AbortSignal, Set<DeliveryHandler>>();

  /** `tls`: the client certificate and trust for https targets; a change starts new pools. */
  constructor(
    private readonly connections: number,
    private readonly tls?: ClientTls,
  ) {
    // The old pools finish their requests in flight and close; the next request opens a new one.
    tls?.onChange(() => {
      const old = [...this.pools.values()];
      this.pools.clear();
      for (const pool of old) void pool.close();
    });
  }

  post(request: DeliveryRequest): Promise<DeliveryResponse> {
    const { signal } = request;
    if (signal.aborted) return Promise.reject(new DeliveryNetworkError('aborted', 'the delivery was cancelled'));
    const { origin, path } = this.target(request.url);
    return new Promise((resolve, reject) => {
      const handler = new DeliveryHandler(resolve, reject, signal, this.handlersOf(signal));
      // undici's own timers: the answer's headers, then each body chunk.
      this.pool(origin).dispatch(
        {
          path,
          method: 'POST',
          headers: request.headers,
          body: request.body,
          headersTimeout: request.timeoutMs,
          bodyTimeout: request.timeoutMs,
        },
        handler,
      );
    });
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    this.tls?.stop();
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
  }

  /** The requests in flight under a signal; the first request under it adds the signal's one listener. */
  private handlersOf(signal: AbortSignal): Set<DeliveryHandler> {
    let handlers = this.underSignal.get(signal);
    if (!handlers) {
      const set = new Set<DeliveryHandler>();
      handlers = set;
      this.underSignal.set(signal, set);
      signal.addEventListener(
        'abort',
        () => {
          for (const handler of set) handler.cancel();
        },
        { once: true },
      );
    }
    return handlers;
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.connections,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connect: this.tls?.current,
      });
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

const RETRY_AFTER = 'retry-after';

/** One request's callbacks from undici: the status and Retry-After, then the end of the answer. */
class DeliveryHandler implements Dispatcher.DispatchHandlers {
  private status = 0;
  private retryAfter?: string;
  private abort?: (error?: Error) => void;
  private cancelled = false;
  private settled = false;

  constructor(
    private readonly resolve: (response: DeliveryResponse) => void,
    private readonly reject: (error: Error) => void,
    private readonly signal: AbortSignal,
    private readonly siblings: Set<DeliveryHandler>,
  ) {
    siblings.add(this);
  }

  cancel(): void {
    this.cancelled = true;
    this.abort?.(new DeliveryNetworkError('aborted', 'the delivery was cancelled'));
  }

  onConnect(abort: (error?: Error) => void): void {
    if (this.cancelled) abort(new DeliveryNetworkError('aborted', 'the delivery was cancelled'));
    else this.abort = abort;
  }

  onHeaders(statusCode: number, headers: Buffer[] | string[] | null): boolean {
    if (statusCode < 200) return true;
    this.status = statusCode;
    if (headers) {
      for (let i = 0; i + 1 < headers.length; i += 2) {
        const name = headers[i];
        if (name.length === RETRY_AFTER.length && name.toString().toLowerCase() === RETRY_AFTER)
          this.retryAfter = headers[i + 1].toString();
      }
    }
    return true;
  }

  onData(): boolean {
    return true;
  }

  onComplete(): void {
    if (this.finish()) this.resolve({ status: this.status, retryAfter: this.retryAfter });
  }

  onError(error: Error): void {
    if (!this.finish()) return;
    const code = (error as { code?: string }).code;
    this.reject(
      networkError(
        error,
        code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT',
        this.cancelled || this.signal.aborted,
      ),
    );
  }

  private finish(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.siblings.delete(this);
    return true;
  }
}
