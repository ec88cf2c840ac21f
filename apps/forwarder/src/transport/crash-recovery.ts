import { sleep } from '@app/common';
import { isCoordinatorMoving } from '@app/kafka';
import type { Logger } from '@nestjs/common';

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
    if (restart && isCoordinatorMoving(error)) {
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
