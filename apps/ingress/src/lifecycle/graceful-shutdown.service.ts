import { onResponseEnd } from '@app/observability';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Response } from 'express';
import type { Server } from 'node:http';
import { INGRESS_CONFIG, type IngressConfig } from '../config/ingress.config';

/**
 * Stops the ingress in the order that loses nothing: stop accepting connections, let requests
 * already inside finish (their records are flushed to Kafka), and only then let the producer
 * disconnect (it does so in onApplicationShutdown, which Nest calls after this hook).
 */
@Injectable()
export class GracefulShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger(GracefulShutdown.name);
  private inFlight = 0;
  private draining = false;
  private idle?: () => void;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(INGRESS_CONFIG) private readonly config: IngressConfig,
  ) {}

  get isDraining(): boolean {
    return this.draining;
  }

  requestStarted(response: Response): void {
    this.inFlight++;
    if (this.draining) response.setHeader('Connection', 'close');
    onResponseEnd(response, () => {
      this.inFlight--;
      if (this.inFlight === 0) this.idle?.();
    });
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.draining = true;
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    server?.close();
    server?.closeIdleConnections();
    if (this.inFlight > 0) {
      this.logger.log(
        `${signal ?? 'Shutdown'}: waiting for ${this.inFlight} request(s) in flight (at most ${this.config.shutdownTimeoutMs} ms)`,
      );
      const finished = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), this.config.shutdownTimeoutMs);
        this.idle = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      if (!finished)
        this.logger.warn(
          `${this.inFlight} request(s) still in flight after ${this.config.shutdownTimeoutMs} ms; closing anyway`,
        );
    }
  }
}
