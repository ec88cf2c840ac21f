import type { KafkaAdmin } from '@app/kafka';
import type { Logger } from '@nestjs/common';
import type { PartitionState, PartitionTable } from './partition-table';

/** Records not yet done per owned partition: the log end offset minus the committable offset. */
export class LagTracker {
  private readonly byPartition = new Map<number, bigint>();
  private endOffsets = new Map<number, bigint>();

  constructor(
    private readonly admin: KafkaAdmin,
    private readonly topic: string,
    private readonly groupId: string,
    private readonly log: Logger,
  ) {}

  get lag(): ReadonlyMap<number, bigint> {
    return this.byPartition;
  }

  total(): bigint {
    let sum = 0n;
    for (const value of this.byPartition.values()) sum += value;
    return sum;
  }

  forget(partition: number): void {
    this.byPartition.delete(partition);
  }

  /** From what was fetched and done: the higher of the fetched high watermark and the last end offset read. */
  update(state: PartitionState): void {
    const end = this.endOffsets.get(state.partition);
    const high =
      state.highWatermark === undefined
        ? end
        : end === undefined
          ? state.highWatermark
          : end > state.highWatermark
            ? end
            : state.highWatermark;
    const position = state.tracker.committable();
    if (high === undefined || position === undefined) return;
    this.byPartition.set(state.partition, high > position ? high - position : 0n);
  }

  /** From the log end offsets, also for partitions nothing was fetched from yet. */
  async refresh(table: PartitionTable): Promise<void> {
    if (table.assigned.size === 0) return;
    try {
      this.endOffsets = await this.admin.endOffsets(this.topic);
      const committed = await this.admin.committedOffsets(this.groupId, this.topic);
      for (const partition of table.assigned) {
        const state = table.get(partition);
        if (state?.tracker.committable() !== undefined) {
          this.update(state);
          continue;
        }
        const end = this.endOffsets.get(partition) ?? 0n;
        const from = committed.get(partition) ?? 0n;
        this.byPartition.set(partition, end > from ? end - from : 0n);
      }
    } catch (error) {
      this.log.debug(`Lag refresh skipped: ${(error as Error).message}`);
    }
  }
}
