import { sleep } from '@app/common';
import type { Logger } from '@nestjs/common';

/** Group coordinator states that make kafkajs restart the consumer, and pass on their own. */
const COORDINATOR_MOVING = new Set([
  // kafkajs' names for Kafka's COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR.
  'GROUP_LOAD_IN_PROGRESS',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR_FOR_GROUP',
  'REBALANCE_IN_PROGRESS',
]);

/** How long after a crash that kafkajs does not recover from the consumer is started again. */
const RESTART_DELAY_MS = 5_000;

/**
 * What follows a consumer crash: after a retriable error kafkajs restarts the consumer itself (a
 * group coordinator that is loading or moving is routine, and said so in one info line); after
 * any other, `restart` runs once, 5 s later, unless the transport stops first.
 */
export class CrashRecovery {
  private restarting = false;

  constructor(
    private readonly restart: () => Promise<void>,
    private readonly stopping: AbortSignal,
    private readonly log: Logger,
  ) {}

  /** kafkajs' CRASH event; `restart`: kafkajs restarts the consumer by itself. */
  crashed(error: Error, restart: boolean): void {
    if (restart && coordinatorMoving(error)) {
      // A fresh or failed-over coordinator: routine, and kafkajs rejoins by itself.
      this.log.log(`Consumer rejoining: ${error.message} (kafkajs restarts it)`);
      return;
    }
    this.log.error(
      `Consumer crashed (${error.name}: ${error.message})${restart ? '; kafkajs restarts it' : '; restarting it'}`,
    );
    if (restart || this.restarting) return;
    this.restarting = true;
    void sleep(RESTART_DELAY_MS, this.stopping)
      .then(() => (this.stopping.aborted ? undefined : this.restart()))
      .catch((e: unknown) => this.log.error(`Restart failed: ${(e as Error).message}`))
      .finally(() => (this.restarting = false));
  }
}

/** Whether the error, or what it wraps, is one of the coordinator's passing states. */
function coordinatorMoving(error: unknown): boolean {
  for (
    let e = error as { type?: string; originalError?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    depth++
  ) {
    if (COORDINATOR_MOVING.has(e.type ?? '')) return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}
