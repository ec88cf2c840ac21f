import type { LoggerService } from '@nestjs/common';
import { sleep } from './timeouts';

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 5_000;

/**
 * Keeps calling `connect` until it succeeds or `signal` aborts, backing off up to 5 s. It says
 * once that Kafka is unreachable and once that it is back, instead of a line per attempt, and
 * never gives up: the apps must start and stay up while the cluster is down.
 */
export async function keepConnecting(what: string, connect: () => Promise<void>, logger: LoggerService, signal: AbortSignal): Promise<boolean> {
  let delay = FIRST_DELAY_MS;
  let failures = 0;
  while (!signal.aborted) {
    try {
      await connect();
      if (failures > 0) logger.log(`${what} connected after ${failures} failed attempt${failures === 1 ? '' : 's'}`);
      return true;
    } catch (error) {
      failures++;
      if (failures === 1 || failures % 20 === 0) {
        logger.warn(`${what} cannot reach Kafka (${(error as Error).message}); retrying every ${MAX_DELAY_MS / 1000}s at most`);
      }
      await sleep(delay, signal);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
  return false;
}
