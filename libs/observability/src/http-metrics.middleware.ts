import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS, METRIC_PREFIX, METRICS_REGISTRY } from './metrics.constants';
import { onResponseEnd } from './response-end';

type Labels = 'method' | 'route' | 'status';
interface Series {
  requests: { inc(): void };
  duration: { observe(seconds: number): void };
}

/** HTTP request counters, registered once (Nest builds middleware instances per consuming module). */
@Injectable()
export class HttpMetrics {
  readonly requests: Counter<Labels>;
  readonly duration: Histogram<Labels>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.requests = new Counter({
      name: `${METRIC_PREFIX}http_requests_total`,
      help: 'HTTP requests answered, by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    });
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
  /** The counter and histogram children of each method, route and status seen, looked up once. */
  private readonly series = new Map<string, Series>();

  constructor(private readonly metrics: HttpMetrics) {}

  private seriesOf(method: string, route: string, statusCode: number): Series {
    const key = `${method} ${route} ${statusCode}`;
    let series = this.series.get(key);
    if (series === undefined) {
      const labels = { method, route, status: String(statusCode) };
      series = { requests: this.metrics.requests.labels(labels), duration: this.metrics.duration.labels(labels) };
      this.series.set(key, series);
    }
    return series;
  }

  use(request: Request, response: Response, next: NextFunction): void {
    const started = performance.now();
    onResponseEnd(response, (finished) => {
      if (!finished) return;
      const series = this.seriesOf(request.method, routeOf(request), response.statusCode);
      series.requests.inc();
      series.duration.observe((performance.now() - started) / 1e3);
    });
    next();
  }
}

/**
 * The matched route pattern; Nest answers unknown paths from a catch-all route, counted as
 * unmatched. A request refused before routing (its body unreadable: 400, 413, 415) counts under
 * the route its method and path name, when there is one.
 */
function routeOf(request: Request): string {
  const path = (request.route as { path?: string } | undefined)?.path;
  if (path !== undefined) return path.includes('*') ? 'unmatched' : path;
  return staticRoutes(request.app).has(`${request.method} ${request.originalUrl.split('?', 1)[0]}`)
    ? request.originalUrl.split('?', 1)[0]
    : 'unmatched';
}

interface RouterLayer {
  route?: { path?: unknown; methods?: Record<string, boolean> };
}

const routesByApp = new WeakMap<object, Set<string>>();

/** `METHOD /path` of every route without parameters, read from the router once. */
function staticRoutes(app: Request['app']): Set<string> {
  let routes = routesByApp.get(app);
  if (!routes) {
    routes = new Set();
    const stack = (app as unknown as { router?: { stack?: RouterLayer[] } }).router?.stack ?? [];
    for (const { route } of stack) {
      if (typeof route?.path !== 'string' || /[:*]/.test(route.path)) continue;
      for (const [method, handled] of Object.entries(route.methods ?? {}))
        if (handled) routes.add(`${method.toUpperCase()} ${route.path}`);
    }
    routesByApp.set(app, routes);
  }
  return routes;
}
