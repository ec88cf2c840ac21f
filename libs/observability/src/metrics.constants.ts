/** The prom-client Registry every metric of an app is registered in. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/** Every metric name starts with this; names and labels are public interface, keep them. */
export const METRIC_PREFIX = 'kafka_gateway_';

/** Latency buckets in seconds, from a fast local write to a slow webhook. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
