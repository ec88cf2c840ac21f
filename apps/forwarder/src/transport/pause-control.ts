import type { Logger } from '@nestjs/common';
import type { Consumer } from 'kafkajs';
import type { PartitionState, PartitionTable } from './partition-table';

/** The transport's port for whoever must stop consumption as a whole (the module wires the circuit breaker to it). */
export interface ConsumptionControl {
  pauseAll(reason: string): void;
  resumeAll(reason: string): void;
}

/**
 * Pauses and resumes fetching: every partition while any reason to stop all of them stands, and
 * single partitions while a handler asks (a dead-letter write failing). kafkajs keeps a paused
 * partition's position, so nothing is skipped.
 */
export class PauseControl implements ConsumptionControl {
  private readonly reasons = new Set<string>();
  private consumer?: Consumer;

  constructor(
    private readonly table: PartitionTable,
    private readonly topic: string,
    private readonly log: Logger,
  ) {}

  attach(consumer: Consumer): void {
    this.consumer = consumer;
  }

  pauseAll(reason: string): void {
    if (this.reasons.has(reason)) return;
    this.reasons.add(reason);
    this.apply();
  }

  resumeAll(reason: string): void {
    if (this.reasons.delete(reason)) this.apply();
  }

  /** Stops fetching the partition; call the returned function (once) to resume. */
  pausePartition(state: PartitionState): () => void {
    state.pauses++;
    this.apply();
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      state.pauses--;
      this.apply();
    };
  }

  /** Brings kafkajs in line with what is asked; after an assignment too. */
  apply(): void {
    const consumer = this.consumer;
    const assigned = [...this.table.assigned];
    if (!consumer || assigned.length === 0) return;
    const paused = assigned.filter((p) => this.reasons.size > 0 || (this.table.get(p)?.pauses ?? 0) > 0);
    const running = assigned.filter((p) => !paused.includes(p));
    try {
      if (paused.length > 0) consumer.pause([{ topic: this.topic, partitions: paused }]);
      if (running.length > 0) consumer.resume([{ topic: this.topic, partitions: running }]);
    } catch (error) {
      this.log.debug(`pause/resume skipped: ${(error as Error).message}`);
    }
  }
}
