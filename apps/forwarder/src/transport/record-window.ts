import { EventEmitter } from 'node:events';
import { sleep } from '@app/common';
import { isRebalancing } from '@app/kafka';
import type { Logger } from '@nestjs/common';
import type { MessageHandler } from '@nestjs/microservices';
import type { EachBatchPayload } from 'kafkajs';
import { isObservable, lastValueFrom } from 'rxjs';
import { ForwardContext } from './forward-context';
import type { ForwardOutcome, ForwardRecord } from './forward-record';
import { toRecord } from './fetched-record';
import type { ForwardTransportOptions } from './forward-transport-options';
import { KeyScheduler } from './key-scheduler';
import type { CommitLoop } from './commit-loop';
import type { LagTracker } from './lag-tracker';
import type { PartitionState, PartitionTable } from './partition-table';
import type { PauseControl } from './pause-control';

interface Work {
  record: ForwardRecord;
  state: PartitionState;
}

/** The parts of the transport the window works with, each used directly. */
export interface WindowParts {
  readonly table: PartitionTable;
  /** Aborts when the transport stops. */
  readonly stopping: AbortSignal;
  readonly pauses: PauseControl;
  readonly commits: CommitLoop;
  readonly lag: LagTracker;
}

/** What the window tells whoever listens: the group is rebalancing; --max-messages are done. */
type WindowEvents = { rebalancing: []; finished: [] };

const HEARTBEAT_WHILE_WAITING_MS = 1_000;
/**
 * A full window admits again once this share of it is free: a run of records per wait, not a
 * timer, three promises, an abort listener and a heartbeat call for every record (together about a
 * seventh of what a drain allocated). The rest of the window keeps the deliveries busy meanwhile.
 */
const REFILL_SHARE = 1 / 8;
const HANDLER_ERROR_RETRY_MS = 5_000;
/** How long a stop waits, after the shutdown timeout, for deliveries it aborted to return. */
export const ABANDONED_DELIVERY_WAIT_MS = 5_000;

/**
 * The window of fetched records: admits what kafkajs fetches (eachBatch) while there is room,
 * runs each through the handler with per-key (or per-partition) order, and marks it done in its
 * partition's CommitTracker when the handler says delivered or dead-lettered.
 */
export class RecordWindow {
  private readonly scheduler: KeyScheduler<Work>;
  /** `rebalancing` before in-flight deliveries get their chance; `finished`: --max-messages done, none in flight. */
  readonly events = new EventEmitter<WindowEvents>();
  private handler?: MessageHandler;
  private admitted = 0;
  private lastAdmittedAt = Date.now();

  constructor(
    private readonly options: ForwardTransportOptions,
    private readonly parts: WindowParts,
    private readonly log: Logger,
  ) {
    this.scheduler = new KeyScheduler<Work>(
      { workers: Math.min(options.workers, options.maxPending), maxPending: options.maxPending },
      (work) => this.laneOf(work),
      (work) => this.process(work),
    );
  }

  /** The handler every record goes through (registered for KAFKA_RECORD), given before the first fetch. */
  handleWith(handler: MessageHandler): void {
    this.handler = handler;
  }

  get inFlight(): number {
    return this.scheduler.inFlight;
  }

  get pending(): number {
    return this.scheduler.pending;
  }

  get lastActivityAt(): number {
    return this.lastAdmittedAt;
  }

  /** `running`: records delivered at once (the options' workers unless given). */
  resize(maxPending: number, running = this.options.workers): void {
    this.scheduler.resize(Math.min(running, maxPending), maxPending);
  }

  /**
   * At shutdown: starts nothing new and forgets what has not started (not done, so not committed:
   * the next owner delivers it), waits up to `timeoutMs` for deliveries in flight, then aborts them
   * and gives them a last while to return.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.scheduler.hold();
    this.scheduler.abandonQueued();
    if (this.inFlight === 0) return;
    this.log.log(`Stopping: waiting for ${this.inFlight} delivery(ies) in flight (at most ${timeoutMs} ms)`);
    if (await this.scheduler.settled(timeoutMs)) return;
    this.log.warn(`${this.inFlight} delivery(ies) unfinished after ${timeoutMs} ms; they will be redelivered`);
    this.parts.table.abortAll();
    await this.scheduler.settled(ABANDONED_DELIVERY_WAIT_MS);
  }

  /** eachBatch: admits records into the scheduler as room allows; delivery happens after it returns. */
  // eslint-disable-next-line @typescript-eslint/unbound-method -- kafkajs builds these as closures (consumer/runner.js), not methods
  async admit({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { table, stopping } = this.parts;
    const state = table.stateOf(batch.partition);
    state.highWatermark = BigInt(batch.highWatermark);
    // kafkajs hears of the last offset taken before each wait and at the end, not of every record
    // (its resolveOffset does Long arithmetic, its isStale serialises a key): nothing reads them,
    // nor seeks the partition, until this function awaits.
    let unresolved: string | undefined;
    let stale = isStale();
    try {
      for (const message of batch.messages) {
        if (!isRunning() || stale || stopping.aborted || this.maxReached()) break;
        const offset = BigInt(message.offset);
        const next = state.tracker.nextOffset;
        if (next !== undefined && offset < next) {
          // Fetched again after a rebalance that left us the partition: already in hand.
          unresolved = message.offset;
          continue;
        }
        if (!this.scheduler.hasCapacity) {
          if (unresolved !== undefined) resolveOffset(unresolved);
          unresolved = undefined;
          await this.waitForCapacity(heartbeat);
          stale = isStale();
          if (!isRunning() || stale || stopping.aborted || table.get(batch.partition) !== state) break;
        }
        const now = Date.now();
        state.tracker.admit(offset, now);
        this.admitted++;
        this.lastAdmittedAt = now;
        this.scheduler.submit({ record: toRecord(batch.topic, batch.partition, offset, message), state });
        unresolved = message.offset;
      }
    } finally {
      if (unresolved !== undefined) resolveOffset(unresolved);
    }
    this.parts.lag.update(state);
    await this.heartbeatOrDrain(heartbeat);
  }

  private async waitForCapacity(heartbeat: () => Promise<void>): Promise<void> {
    while (!this.scheduler.hasCapacity && !this.parts.stopping.aborted) {
      let timer: NodeJS.Timeout | undefined;
      const room = Math.floor(this.scheduler.capacity * REFILL_SHARE);
      await Promise.race([
        this.scheduler.waitForCapacity(this.parts.stopping, room),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, HEARTBEAT_WHILE_WAITING_MS))),
      ]);
      clearTimeout(timer);
      await this.heartbeatOrDrain(heartbeat);
    }
  }

  /**
   * Heartbeats; when the group is rebalancing, first lets in-flight deliveries finish (bounded)
   * and commits, as Kafka's eager protocol does before rejoining, then lets kafkajs rejoin.
   */
  private async heartbeatOrDrain(heartbeat: () => Promise<void>): Promise<void> {
    try {
      await heartbeat();
    } catch (error) {
      if (isRebalancing(error)) {
        this.events.emit('rebalancing');
        this.scheduler.hold();
        try {
          await this.scheduler.settled(this.options.rebalanceDrainMs);
          await this.parts.commits.commit();
        } finally {
          // Partitions we keep carry on; records of revoked ones abort as soon as they start.
          this.scheduler.release();
        }
      }
      throw error;
    }
  }

  private async process({ record, state }: Work): Promise<void> {
    const handler = this.handler;
    if (!handler) throw new Error('no handler is registered for the records');
    while (!state.abort.signal.aborted) {
      try {
        const context = new ForwardContext([record, state.abort.signal, () => this.parts.pauses.pausePartition(state)]);
        // Awaiting the handler has settled its promise; only an Observable needs waiting for.
        const result: unknown = await handler(record, context);
        const outcome = (isObservable(result) ? await lastValueFrom(result) : result) as ForwardOutcome;
        if (outcome === 'delivered' || outcome === 'dead-lettered' || outcome === 'filtered') {
          state.tracker.complete(record.offset);
          this.afterDone();
        }
        return;
      } catch (error) {
        // A bug, not a delivery failure: keep the record unfinished and try it again.
        this.log.error(
          `Handling ${record.topic}-${record.partition}-${record.offset} failed: ${(error as Error)?.stack ?? String(error)}`,
        );
        await sleep(HANDLER_ERROR_RETRY_MS, state.abort.signal);
      }
    }
  }

  private afterDone(): void {
    if (this.options.maxMessages !== undefined && this.maxReached() && this.scheduler.pending <= 1) {
      setImmediate(() => {
        if (this.scheduler.pending === 0) this.events.emit('finished');
      });
    }
  }

  private maxReached(): boolean {
    return this.options.maxMessages !== undefined && this.admitted >= this.options.maxMessages;
  }

  private laneOf({ record }: Work): string | undefined {
    switch (this.options.ordering) {
      case 'none':
        return undefined;
      case 'partition':
        return String(record.partition);
      case 'key':
        // Keyless records share one lane per partition, kept in partition order as the Go gateway did;
        // it cannot meet a key's lane, whose name always holds a NUL.
        return record.key === null
          ? String(record.partition)
          : `${record.partition}\u0000${record.key.toString('latin1')}`;
    }
  }
}
