import { sleep } from '@app/common';
import { KAFKA_CLIENT, KafkaAdmin, keepConnecting } from '@app/kafka';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CustomTransportStrategy, Server, type MessageHandler } from '@nestjs/microservices';
import { EventEmitter, setMaxListeners } from 'node:events';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { isObservable, lastValueFrom } from 'rxjs';
import { CircuitBreaker } from '../dispatch/circuit-breaker';
import { ForwardStats } from '../stats/forward-stats';
import { CommitTracker } from './commit-tracker';
import { ForwardContext } from './forward-context';
import { KAFKA_RECORD, type ForwardOutcome, type ForwardRecord } from './forward-record';
import { KeyScheduler } from './key-scheduler';

export type Ordering = 'key' | 'partition' | 'none';

export interface ForwardTransportOptions {
  topic: string;
  groupId: string;
  ordering: Ordering;
  /** Records being delivered at once (Infinity: as many as the window holds; the limiter gates requests). */
  workers: number;
  /** Records fetched and not yet done; fetching waits beyond it. */
  maxPending: number;
  sessionTimeoutMs: number;
  commitIntervalMs: number;
  /** How long a rebalance waits for in-flight deliveries before releasing partitions. */
  rebalanceDrainMs: number;
  shutdownTimeoutMs: number;
  /** Stop after this many records are done. */
  maxMessages?: number;
}

export const FORWARD_TRANSPORT_OPTIONS = Symbol('FORWARD_TRANSPORT_OPTIONS');

export type ConsumerState = 'connecting' | 'joining' | 'member' | 'rebalancing' | 'crashed' | 'stopping' | 'stopped';

/** `finished`: --max-messages records are done and nothing is left in flight. */
type ForwardServerEvents = { finished: () => void };

interface PartitionState {
  partition: number;
  tracker: CommitTracker;
  /** Aborted when the partition is revoked, or at shutdown once the wait is over. */
  abort: AbortController;
  lastCommitted?: bigint;
  highWatermark?: bigint;
  /** Pauses asked for by handlers (dead-letter writes failing). */
  pauses: number;
}

interface Work {
  record: ForwardRecord;
  state: PartitionState;
}

const REBALANCE_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION']);
const HEARTBEAT_WHILE_WAITING_MS = 1_000;
const HANDLER_ERROR_RETRY_MS = 5_000;

/**
 * A Nest transport strategy over a kafkajs consumer group, built for delivery rather than RPC:
 * manual commits of the highest offset below which everything is done, many records in flight
 * per partition with per-key (or per-partition) order, a bounded window of fetched records,
 * and commits on a timer, on rebalance and at shutdown. Every record goes to the handler
 * registered for KAFKA_RECORD, which resolves with its ForwardOutcome.
 */
@Injectable()
export class KafkaForwardServer extends Server<ForwardServerEvents> implements CustomTransportStrategy {
  private readonly log = new Logger('Forwarder');
  private consumer?: Consumer;
  private readonly partitions = new Map<number, PartitionState>();
  private assigned = new Set<number>();
  private consumerState: ConsumerState = 'connecting';
  private readonly scheduler: KeyScheduler<Work>;
  private readonly stopping = new AbortController();
  private readonly events = new EventEmitter();
  private commitTimer?: NodeJS.Timeout;
  private committing?: Promise<void>;
  private admitted = 0;
  private lastActivityAt = Date.now();
  private memberSince?: number;
  private circuitOpen = false;
  private endOffsets = new Map<number, bigint>();
  private restarting = false;
  private handler?: MessageHandler;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(FORWARD_TRANSPORT_OPTIONS) private readonly options: ForwardTransportOptions,
    private readonly stats: ForwardStats,
    private readonly admin: KafkaAdmin,
    circuit: CircuitBreaker,
  ) {
    super();
    this.scheduler = new KeyScheduler<Work>({ workers: Math.min(options.workers, options.maxPending), maxPending: options.maxPending }, (work) => this.laneOf(work), (work) => this.process(work));
    circuit.onStateChange((state) => {
      this.stats.circuit = state;
      const open = state === 'open';
      if (open === this.circuitOpen) return;
      this.circuitOpen = open;
      this.log.warn(open ? 'The target keeps failing: circuit open, consumption paused, probing once per cool-down' : `Circuit ${state}: the target answers again, consumption resumed`);
      this.applyPauses();
    });
  }

  /** The consumer's standing in the group, for health checks. */
  get state(): ConsumerState {
    return this.consumerState;
  }

  get isMember(): boolean {
    return this.consumerState === 'member' || this.consumerState === 'rebalancing';
  }

  get inFlight(): number {
    return this.scheduler.inFlight;
  }

  get pending(): number {
    return this.scheduler.pending;
  }

  /** Sets how many records may be fetched and not yet done (the window follows the concurrency limit). */
  resizeWindow(maxPending: number): void {
    this.scheduler.resize(Math.min(this.options.workers, maxPending), maxPending);
  }

  /** True when a member of the group with nothing in flight, no lag, and no new record for `ms`. */
  isIdleFor(ms: number): boolean {
    if (this.memberSince === undefined || this.scheduler.pending > 0 || this.stats.totalLag() > 0n) return false;
    return Date.now() - Math.max(this.lastActivityAt, this.memberSince) >= ms;
  }

  listen(callback: (error?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  on<K extends keyof ForwardServerEvents = keyof ForwardServerEvents, C extends ForwardServerEvents[K] = ForwardServerEvents[K]>(event: K, callback: C): this {
    this.events.on(event, callback);
    return this;
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  private async start(): Promise<void> {
    const { topic } = this.options;
    const connected = await keepConnecting(
      'Consumer',
      async () => {
        this.consumer = this.createConsumer();
        try {
          await this.consumer.connect();
          await this.consumer.subscribe({ topics: [topic], fromBeginning: true });
        } catch (error) {
          await this.consumer.disconnect().catch(() => undefined);
          throw (error as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION' ? new Error(`topic "${topic}" does not exist (yet)`) : error;
        }
      },
      this.log,
      this.stopping.signal,
    );
    if (!connected || !this.consumer) return;
    this.consumerState = 'joining';
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.admit(payload),
    });
    this.commitTimer ??= setInterval(() => void this.commit(), this.options.commitIntervalMs);
    this.commitTimer.unref();
  }

  private createConsumer(): Consumer {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(this.options.sessionTimeoutMs / 5)),
      allowAutoTopicCreation: false,
      // Bounds how long a stop waits for the current fetch; idle polling stays cheap.
      maxWaitTimeInMs: 1_000,
      // The window (--max-pending) bounds records in hand; this bounds bytes fetched ahead of it.
      maxBytes: 5 * 1024 * 1024,
      retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 5_000 },
    });
    const { GROUP_JOIN, REBALANCING, CRASH, STOP } = consumer.events;
    consumer.on(GROUP_JOIN, ({ payload }) => this.onAssignment(payload.memberAssignment[this.options.topic] ?? []));
    consumer.on(REBALANCING, () => {
      this.consumerState = 'rebalancing';
      // Before the rejoin reaches the coordinator, so the next owner starts from here.
      void this.commit();
    });
    consumer.on(CRASH, ({ payload }) => this.onCrash(payload.error, payload.restart));
    consumer.on(STOP, () => {
      if (this.consumerState !== 'stopping' && this.consumerState !== 'crashed') this.consumerState = 'stopped';
    });
    return consumer;
  }

  private onAssignment(partitions: number[]): void {
    const assigned = new Set(partitions);
    for (const [partition, state] of this.partitions) {
      if (!assigned.has(partition)) {
        // Revoked: in-flight deliveries stop without an outcome; the next owner redelivers them.
        state.abort.abort();
        this.partitions.delete(partition);
        this.stats.lag.delete(partition);
      }
    }
    this.assigned = assigned;
    this.consumerState = 'member';
    this.memberSince ??= Date.now();
    this.log.log(`Joined group "${this.options.groupId}": ${this.options.topic} partitions [${[...assigned].sort((a, b) => a - b).join(', ')}]`);
    this.applyPauses();
    void this.refreshLag();
  }

  private onCrash(error: Error, restart: boolean): void {
    if (this.stopping.signal.aborted) return;
    this.consumerState = 'crashed';
    this.log.error(`Consumer crashed (${error.name}: ${error.message})${restart ? '; kafkajs restarts it' : '; restarting it'}`);
    if (restart || this.restarting) return;
    this.restarting = true;
    void sleep(5_000, this.stopping.signal)
      .then(() => (this.stopping.signal.aborted ? undefined : this.start()))
      .catch((e: unknown) => this.log.error(`Restart failed: ${(e as Error).message}`))
      .finally(() => (this.restarting = false));
  }

  /** eachBatch: admits records into the scheduler as capacity allows; delivery happens after it returns. */
  // eslint-disable-next-line @typescript-eslint/unbound-method -- kafkajs builds these as closures (consumer/runner.js), not methods
  private async admit({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const state = this.stateOf(batch.partition);
    state.highWatermark = BigInt(batch.highWatermark);
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || this.stopping.signal.aborted || this.maxReached()) break;
      const offset = BigInt(message.offset);
      const next = state.tracker.nextOffset;
      if (next !== undefined && offset < next) {
        // Fetched again after a rebalance that left us the partition: already in hand.
        resolveOffset(message.offset);
        continue;
      }
      if (!this.scheduler.hasCapacity) await this.waitForCapacity(heartbeat);
      if (!isRunning() || isStale() || this.stopping.signal.aborted || this.partitions.get(batch.partition) !== state) break;
      state.tracker.admit(offset);
      this.admitted++;
      this.lastActivityAt = Date.now();
      this.scheduler.submit({ record: toRecord(batch.topic, batch.partition, offset, message), state });
      resolveOffset(message.offset);
    }
    this.updateLag(state);
    await this.heartbeatOrDrain(heartbeat);
  }

  private async waitForCapacity(heartbeat: () => Promise<void>): Promise<void> {
    while (!this.scheduler.hasCapacity && !this.stopping.signal.aborted) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.scheduler.waitForCapacity(this.stopping.signal), new Promise<void>((resolve) => (timer = setTimeout(resolve, HEARTBEAT_WHILE_WAITING_MS)))]);
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
      if (REBALANCE_ERRORS.has((error as { type?: string }).type ?? '')) {
        this.consumerState = 'rebalancing';
        this.scheduler.hold();
        try {
          await this.scheduler.settled(this.options.rebalanceDrainMs);
          await this.commit();
        } finally {
          // Partitions we keep carry on; records of revoked ones abort as soon as they start.
          this.scheduler.release();
        }
      }
      throw error;
    }
  }

  private async process(work: Work): Promise<void> {
    const { record, state } = work;
    // Looked up once: Nest's pattern lookup parses the pattern on every call.
    this.handler ??= this.getHandlerByPattern(KAFKA_RECORD) ?? undefined;
    const handler = this.handler;
    if (!handler) throw new Error(`no handler is registered for ${KAFKA_RECORD}`);
    this.stats.inFlight++;
    try {
      while (!state.abort.signal.aborted) {
        try {
          const context = new ForwardContext([record, state.abort.signal, () => this.pausePartition(state)]);
          const result: unknown = await handler(record, context);
          const outcome = (isObservable(result) ? await lastValueFrom(result) : await result) as ForwardOutcome;
          if (outcome === 'delivered' || outcome === 'dead-lettered') {
            state.tracker.complete(record.offset);
            this.afterDone();
          }
          return;
        } catch (error) {
          // A bug, not a delivery failure: keep the record unfinished and try it again.
          this.log.error(`Handling ${record.topic}-${record.partition}-${record.offset} failed: ${(error as Error)?.stack ?? String(error)}`);
          await sleep(HANDLER_ERROR_RETRY_MS, state.abort.signal);
        }
      }
    } finally {
      this.stats.inFlight--;
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
        return record.key === null ? String(record.partition) : `${record.partition}\u0000${record.key.toString('latin1')}`;
    }
  }

  private stateOf(partition: number): PartitionState {
    let state = this.partitions.get(partition);
    if (!state) {
      const abort = new AbortController();
      // Every delivery in flight on the partition listens to it (workers of them, and more while retrying).
      setMaxListeners(0, abort.signal);
      state = { partition, tracker: new CommitTracker(), abort, pauses: 0 };
      this.partitions.set(partition, state);
    }
    return state;
  }

  private pausePartition(state: PartitionState): () => void {
    state.pauses++;
    this.applyPauses();
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      state.pauses--;
      this.applyPauses();
    };
  }

  /** Pauses every partition while the circuit is open, and those whose dead-letter write fails. */
  private applyPauses(): void {
    const consumer = this.consumer;
    if (!consumer || this.assigned.size === 0) return;
    const topic = this.options.topic;
    const paused = [...this.assigned].filter((p) => this.circuitOpen || (this.partitions.get(p)?.pauses ?? 0) > 0);
    const running = [...this.assigned].filter((p) => !paused.includes(p));
    try {
      if (paused.length > 0) consumer.pause([{ topic, partitions: paused }]);
      if (running.length > 0) consumer.resume([{ topic, partitions: running }]);
    } catch (error) {
      this.log.debug(`pause/resume skipped: ${(error as Error).message}`);
    }
  }

  /** Commits, for every assigned partition, the first offset not yet done, when it moved. */
  commit(): Promise<void> {
    this.committing ??= this.commitNow().finally(() => (this.committing = undefined));
    return this.committing;
  }

  private async commitNow(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    const offsets: Array<{ topic: string; partition: number; offset: string }> = [];
    const moved: Array<[PartitionState, bigint]> = [];
    for (const [partition, state] of this.partitions) {
      if (!this.assigned.has(partition)) continue;
      const offset = state.tracker.committable();
      if (offset === undefined || (state.lastCommitted !== undefined && offset <= state.lastCommitted)) continue;
      offsets.push({ topic: this.options.topic, partition, offset: offset.toString() });
      moved.push([state, offset]);
      this.updateLag(state);
    }
    if (offsets.length === 0) return;
    try {
      await consumer.commitOffsets(offsets);
      for (const [state, offset] of moved) state.lastCommitted = offset;
    } catch (error) {
      this.log.debug(`Commit deferred: ${(error as Error).message}`);
    }
  }

  private updateLag(state: PartitionState): void {
    const end = this.endOffsets.get(state.partition);
    const high = state.highWatermark === undefined ? end : end === undefined ? state.highWatermark : end > state.highWatermark ? end : state.highWatermark;
    const position = state.tracker.committable();
    if (high === undefined || position === undefined) return;
    this.stats.lag.set(state.partition, high > position ? high - position : 0n);
  }

  /** Lag from the log end offsets, also for partitions nothing was fetched from yet. */
  async refreshLag(): Promise<void> {
    if (this.assigned.size === 0) return;
    try {
      this.endOffsets = await this.admin.endOffsets(this.options.topic);
      const committed = await this.admin.committedOffsets(this.options.groupId, this.options.topic);
      for (const partition of this.assigned) {
        const state = this.partitions.get(partition);
        if (state?.tracker.committable() !== undefined) {
          this.updateLag(state);
          continue;
        }
        const end = this.endOffsets.get(partition) ?? 0n;
        const from = committed.get(partition) ?? 0n;
        this.stats.lag.set(partition, end > from ? end - from : 0n);
      }
    } catch (error) {
      this.log.debug(`Lag refresh skipped: ${(error as Error).message}`);
    }
  }

  /**
   * Stops fetching, lets in-flight deliveries finish (up to the shutdown timeout), commits what is
   * done and leaves the group. What is still unfinished is redelivered by the next owner.
   */
  async close(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    this.consumerState = 'stopping';
    this.stopping.abort();
    clearInterval(this.commitTimer);
    const consumer = this.consumer;
    if (consumer && this.assigned.size > 0) {
      try {
        consumer.pause([{ topic: this.options.topic }]);
      } catch {
        // not running yet
      }
    }
    // Records fetched but not started stay unfinished: not committed, delivered by the next owner.
    this.scheduler.hold();
    this.scheduler.abandonQueued();
    if (this.scheduler.inFlight > 0) {
      this.log.log(`Stopping: waiting for ${this.scheduler.inFlight} delivery(ies) in flight (at most ${this.options.shutdownTimeoutMs} ms)`);
      if (!(await this.scheduler.settled(this.options.shutdownTimeoutMs))) {
        this.log.warn(`${this.scheduler.inFlight} delivery(ies) unfinished after ${this.options.shutdownTimeoutMs} ms; they will be redelivered`);
        for (const state of this.partitions.values()) state.abort.abort();
        await this.scheduler.settled(5_000);
      }
    }
    await this.commit();
    await consumer?.disconnect().catch((error: Error) => this.log.warn(`Leaving the group failed: ${error.message}`));
    this.consumerState = 'stopped';
  }
}

function toRecord(topic: string, partition: number, offset: bigint, message: KafkaMessage): ForwardRecord {
  const headers: ForwardRecord['headers'] = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    // Kafka allows a header name more than once; the last one wins, as in the Go prototype.
    headers[name] = Array.isArray(value) ? value[value.length - 1] : value;
  }
  return {
    topic,
    partition,
    offset,
    key: message.key ?? null,
    value: message.value ?? null,
    headers,
    timestamp: Number(message.timestamp),
  };
}
