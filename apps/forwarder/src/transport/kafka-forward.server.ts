import { connectProblemReports, isUnknownTopicOrPartition, KAFKA_CLIENT, KafkaAdmin, keepConnecting } from '@app/kafka';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import type { Consumer, Kafka } from 'kafkajs';
import { CommitLoop } from './commit-loop';
import { CrashRecovery } from './crash-recovery';
import { KAFKA_RECORD } from './forward-record';
import {
  consumerConfig,
  FORWARD_TRANSPORT_OPTIONS,
  type ForwardStatus,
  type ForwardTransportOptions,
} from './forward-transport-options';
import { LagTracker } from './lag-tracker';
import { PartitionTable, type OldestPending } from './partition-table';
import { PauseControl, type ConsumptionControl } from './pause-control';
import { RecordWindow } from './record-window';

const FIRST_ATTEMPT = 'first attempt under way';

/** `finished`: --max-messages records are done and nothing is left in flight. */
type ForwardServerEvents = { finished: () => void };

/**
 * A Nest transport strategy over a kafkajs consumer group, built for delivery rather than RPC:
 * manual commits of the highest offset below which everything is done, many records in flight
 * per partition with per-key (or per-partition) order, a bounded window of fetched records,
 * and commits on a timer, on rebalance and at shutdown. Every record goes to the handler
 * registered for KAFKA_RECORD, which resolves with its ForwardOutcome.
 *
 * This class owns the consumer's lifecycle and publishes its standing on the status stream; the
 * window (record-window), commits (commit-loop), pauses (pause-control), lag (lag-tracker) and
 * what follows a crash (crash-recovery) are its parts: the window uses the others directly and
 * tells the server only through its events. `consumption` is the port through which the module
 * pauses everything.
 */
@Injectable()
export class KafkaForwardServer extends Server<ForwardServerEvents, ForwardStatus> implements CustomTransportStrategy {
  private readonly log = new Logger('Forwarder');
  private consumer?: Consumer;
  private current: ForwardStatus = 'connecting';
  private readonly stopping = new AbortController();
  private readonly finishedListeners: Array<() => void> = [];
  private readonly table = new PartitionTable();
  private readonly pauses: PauseControl;
  private readonly lagTracker: LagTracker;
  private readonly commits: CommitLoop;
  private readonly window: RecordWindow;
  private memberSince?: number;
  /** Set while the consumer has not reached Kafka: why, as far as known. */
  private connectProblem?: string;
  private readonly recovery: CrashRecovery;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(FORWARD_TRANSPORT_OPTIONS) private readonly options: ForwardTransportOptions,
    admin: KafkaAdmin,
  ) {
    super();
    this.pauses = new PauseControl(this.table, options.topic, this.log);
    this.lagTracker = new LagTracker(admin, options.topic, options.groupId, this.log);
    this.commits = new CommitLoop(this.table, this.lagTracker, options.topic, this.log);
    const parts = { table: this.table, stopping: this.stopping.signal, pauses: this.pauses, commits: this.commits };
    this.window = new RecordWindow(options, { ...parts, lag: this.lagTracker }, this.log);
    this.window.events.on('rebalancing', () => this.setStatus('rebalancing'));
    this.window.events.on('finished', () => this.finishedListeners.forEach((listener) => listener()));
    this.recovery = new CrashRecovery(() => this.start(), this.stopping.signal, this.log);
    this.setStatus('connecting');
  }

  /** The consumer's standing in the group, as last published on the status stream. */
  get state(): ForwardStatus {
    return this.current;
  }

  get isMember(): boolean {
    return this.current === 'member' || this.current === 'rebalancing';
  }

  get inFlight(): number {
    return this.window.inFlight;
  }

  /** Why the consumer has not reached Kafka yet, while it has not; undefined once it has. */
  get waitingForKafka(): string | undefined {
    if (this.connectProblem !== FIRST_ATTEMPT) return this.connectProblem;
    // kafkajs retries the consumer's first connect for seconds before it fails; what the admin
    // client or the producer already met (the warning said it) is the answer meanwhile.
    return connectProblemReports.recent() ?? FIRST_ATTEMPT;
  }

  get pending(): number {
    return this.window.pending;
  }

  get lag(): ReadonlyMap<number, bigint> {
    return this.lagTracker.lag;
  }

  /** The oldest record fetched and not yet done: what holds a commit back. */
  oldestPending(): OldestPending | undefined {
    return this.table.oldestPending();
  }

  /** Pauses and resumes all consumption (the circuit breaker, wired by the module). */
  get consumption(): ConsumptionControl {
    return this.pauses;
  }

  /**
   * Sets how many records may be fetched and not yet done, and how many of them are delivered at
   * once (both follow the concurrency limit).
   */
  resizeWindow(maxPending: number, running?: number): void {
    this.window.resize(maxPending, running);
  }

  /** True when a member of the group with nothing in flight, no lag, and no new record for `ms`. */
  isIdleFor(ms: number): boolean {
    if (this.memberSince === undefined || this.window.pending > 0 || this.lagTracker.total() > 0n) return false;
    return Date.now() - Math.max(this.window.lastActivityAt, this.memberSince) >= ms;
  }

  refreshLag(): Promise<void> {
    return this.lagTracker.refresh(this.table);
  }

  commit(): Promise<void> {
    return this.commits.commit();
  }

  listen(callback: (error?: unknown) => void): void {
    // Handlers are registered before the application listens; the window is handed its one.
    const handler = this.getHandlerByPattern(KAFKA_RECORD);
    if (!handler) return callback(new Error(`no handler is registered for ${KAFKA_RECORD}`));
    this.window.handleWith(handler);
    this.start().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  on<
    K extends keyof ForwardServerEvents = keyof ForwardServerEvents,
    C extends ForwardServerEvents[K] = ForwardServerEvents[K],
  >(event: K, callback: C): this {
    if (event === 'finished') this.finishedListeners.push(callback);
    return this;
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  private setStatus(status: ForwardStatus): void {
    this.current = status;
    this._status$.next(status);
  }

  private async start(): Promise<void> {
    const { topic } = this.options;
    this.connectProblem ??= FIRST_ATTEMPT;
    const connected = await keepConnecting(
      'Consumer',
      async () => {
        this.consumer = this.createConsumer();
        try {
          await this.consumer.connect();
          await this.consumer.subscribe({ topics: [topic], fromBeginning: true });
        } catch (error) {
          await this.consumer.disconnect().catch(() => undefined);
          throw isUnknownTopicOrPartition(error) ? new Error(`topic "${topic}" does not exist (yet)`) : error;
        }
      },
      this.log,
      this.stopping.signal,
      (problem) => (this.connectProblem = problem),
    );
    if (!connected || !this.consumer) return;
    this.connectProblem = undefined;
    this.pauses.attach(this.consumer);
    this.commits.attach(this.consumer);
    this.setStatus('joining');
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.window.admit(payload),
    });
    this.commits.start(this.options.commitIntervalMs);
  }

  private createConsumer(): Consumer {
    const consumer = this.kafka.consumer(consumerConfig(this.options));
    const { GROUP_JOIN, REBALANCING, CRASH, STOP } = consumer.events;
    consumer.on(GROUP_JOIN, ({ payload }) => this.onAssignment(payload.memberAssignment[this.options.topic] ?? []));
    consumer.on(REBALANCING, () => {
      this.setStatus('rebalancing');
      // Before the rejoin reaches the coordinator, so the next owner starts from here.
      void this.commits.commit();
    });
    consumer.on(CRASH, ({ payload }) => {
      if (this.stopping.signal.aborted) return;
      this.setStatus('crashed');
      this.recovery.crashed(payload.error, payload.restart);
    });
    consumer.on(STOP, () => {
      if (this.current !== 'stopping' && this.current !== 'crashed') this.setStatus('stopped');
    });
    return consumer;
  }

  private onAssignment(partitions: number[]): void {
    for (const revoked of this.table.assign(partitions)) this.lagTracker.forget(revoked);
    this.setStatus('member');
    this.memberSince ??= Date.now();
    this.log.log(
      `Joined group "${this.options.groupId}": ${this.options.topic} partitions [${[...this.table.assigned].sort((a, b) => a - b).join(', ')}]`,
    );
    this.pauses.apply();
    void this.refreshLag();
  }

  /**
   * Stops fetching, lets in-flight deliveries finish (up to the shutdown timeout), commits what is
   * done and leaves the group. What is still unfinished is redelivered by the next owner.
   */
  async close(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    this.setStatus('stopping');
    this.stopping.abort();
    this.commits.stop();
    const consumer = this.consumer;
    if (consumer && this.table.assigned.size > 0) {
      try {
        consumer.pause([{ topic: this.options.topic }]);
      } catch {
        // not running yet
      }
    }
    await this.window.drain(this.options.shutdownTimeoutMs);
    await this.commits.commit();
    await consumer?.disconnect().catch((error: Error) => this.log.warn(`Leaving the group failed: ${error.message}`));
    this.setStatus('stopped');
  }
}
