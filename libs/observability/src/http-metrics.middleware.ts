import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS, METRIC_PREFIX, METRICS_REGISTRY } from './metrics.constants';

type Labels = 'method' | 'route' | 'status';

/** HTTP request counters, registered once (Nest builds middleware instances per consuming module). */
@Injectable()
export class HttpMetrics {
  readonly requests: Counter<Labels>;
  readonly duration: Histogram<Labels>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.requests = new Counter({ name: `${METRIC_PREFIX}http_requests_total`, help: 'HTTP requests answered, by method, route and status.', labelNames: ['method', 'route', 'status'], registers: [registry] });
    this.duration = new Histogram({
      name: `${METRIC_PREFIX}http_request_duration_seconds`,
      help: 'Time from receiving a request to finishing its response, by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
  }
}

/**
 * Counts HTTP requests and their latency by method, route and status. The route is the matched
 * route pattern, or `unmatched`, so clients cannot blow up the label set with made-up paths.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: HttpMetrics) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      const labels = { method: request.method, route: routeOf(request), status: String(response.statusCode) };
      this.metrics.requests.inc(labels);
      this.metrics.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  }
}

/** The matched route pattern; Nest answers unknown paths from a catch-all route, counted as unmatched. */
function routeOf(request: Request): string {
  const path = (request.route as { path?: string } | undefined)?.path;
  return path === undefined || path.includes('*') ? 'unmatched' : path;
}
