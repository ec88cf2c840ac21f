import type { LoggerService } from '@nestjs/common';
import { sleep } from '@app/common';

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 5_000;

/** What went wrong with a connection attempt, in words an operator can act on. */
export function describeConnectError(error: unknown): string {
  const err = error as { name?: string; message?: string };
  if (err.name === 'KafkaJSSASLAuthenticationError' || /authentication failed/i.test(err.message ?? '')) {
    return `Kafka refused the credentials (${err.message}); check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`;
  }
  return `cannot reach Kafka (${err.message ?? String(error)})`;
}

/**
 * Keeps calling `connect` until it succeeds or `signal` aborts, backing off up to 5 s. It says
 * once that Kafka is unreachable (or refuses the credentials) and once that it is back, instead
 * of a line per attempt, and never gives up: the apps must start and stay up while the cluster
 * is down. `onError` hears every failure, e.g. to report it in health checks.
 */
export async function keepConnecting(what: string, connect: () => Promise<void>, logger: LoggerService, signal: AbortSignal, onError?: (problem: string) => void): Promise<boolean> {
  let delay = FIRST_DELAY_MS;
  let failures = 0;
  while (!signal.aborted) {
    try {
      await connect();
      if (failures > 0) logger.log(`${what} connected after ${failures} failed attempt${failures === 1 ? '' : 's'}`);
      return true;
    } catch (error) {
      failures++;
      const problem = describeConnectError(error);
      onError?.(problem);
      if (failures === 1 || failures % 20 === 0) logger.warn(`${what}: ${problem}; retrying every ${MAX_DELAY_MS / 1000}s at most`);
      await sleep(delay, signal);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
  return false;
}
