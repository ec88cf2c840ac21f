export { MetricsModule } from './metrics.module';
export { HttpMetrics, HttpMetricsMiddleware } from './http-metrics.middleware';
export { METRICS_REGISTRY, METRIC_PREFIX, LATENCY_BUCKETS } from './metrics.constants';
export {
  createRootLogger,
  GatewayLogger,
  LoggingModule,
  LOG_FORMATS,
  LOG_LEVELS,
  prettyStream,
  RequestLogMiddleware,
  ROOT_LOGGER,
  type LogFormat,
  type LogLevel,
  type LoggingOptions,
} from './logging';
export { childTraceparent, parseTraceparent, TRACEPARENT, TRACESTATE, type TraceParent } from './trace-context';
export { listeningOn } from './listening-on';
export { onResponseEnd, type ResponseEndCallback } from './response-end';
export { scrapedCounter } from './scraped-counter';
