import { sleep } from '@app/common';
import { KafkaError } from '@app/kafka';

/**
 * Calls `fn` again while it fails with a retriable Kafka error (a coordinator that is moving or
 * not elected yet, as on a fresh cluster), backing off from 250 ms to 5 s, up to `attempts` times
 * or until the signal aborts; other errors, and the last one, are thrown.
 */
export async function retryTransient<T>(
  fn: () => Promise<T>,
  options: { attempts: number; signal?: AbortSignal; onRetry?: (error: Error) => void },
): Promise<T> {
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      // Ours (mapped by @app/kafka) or kafkajs' own, which says whether a retry can help.
      const retriable =
        error instanceof KafkaError ? error.retriable : (error as { retriable?: boolean }).retriable === true;
      if (!retriable || attempt >= options.attempts || options.signal?.aborted) throw error;
      options.onRetry?.(error as Error);
      await sleep(delay, options.signal);
      delay = Math.min(delay * 2, 5_000);
    }
  }
}
