import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { CircuitBreaker } from './dispatch/circuit-breaker';
import { BATCH_OPTIONS, type BatchOptions } from './dispatch/batch-collector';
import { ConcurrencyLimiter } from './dispatch/concurrency-limiter';
import { RecordFilter } from './dispatch/record-filter';
import { RetryingDispatcher } from './dispatch/retrying-dispatcher';
import { ForwardStats, type OldestPending } from './stats/forward-stats';
import { recordId } from './transport/forward-record';
import { FORWARD_TRANSPORT_OPTIONS, type ForwardTransportOptions } from './transport/forward-transport-options';
import { KafkaForwardServer } from './transport/kafka-forward.server';

/** The fewest records fetched ahead, whatever the limit: enough lanes to find work for it. */
const MIN_WINDOW = 1_000;

/** Records fetched and not yet done for a concurrency limit: four per slot, up to --max-pending. */
export function windowFor(limit: number, maxPending: number): number {
  return Math.min(maxPending, Math.max(MIN_WINDOW, 4 * limit));
}

/**
 * Records being delivered at once for a concurrency limit: twice the limit, so records sleeping
 * before a retry do not hold requests back, and no more, so records do not queue for the limiter
 * (each waiting one costs a promise and its request body).
 */
export function runningFor(limit: number): number {
  return 2 * limit + 16;
}

/**
 * Connects the forwarder's parts, which know nothing of each other: an open circuit pauses the
 * transport's consumption; the transport's window of fetched records follows the concurrency
 * limit (so memory stays bounded by what is being delivered); the stats read the transport, the
 * circuit, the limiter and the dispatcher. Large limit changes are logged with their reason at debug level.
 */
@Injectable()
export class ForwardingWiring implements OnModuleInit {
  private readonly log = new Logger('Forwarder');
  private readonly limiterLog = new Logger('Limiter');

  constructor(
    private readonly server: KafkaForwardServer,
    private readonly circuit: CircuitBreaker,
    private readonly limiter: ConcurrencyLimiter,
    private readonly stats: ForwardStats,
    private readonly dispatcher: RetryingDispatcher,
    @Inject(FORWARD_TRANSPORT_OPTIONS) private readonly transport: ForwardTransportOptions,
    @Inject(BATCH_OPTIONS) private readonly batch: BatchOptions,
    /** Only with --filter. */
    @Optional() private readonly filter?: RecordFilter,
  ) {}

  /** The window and the records run at once for a limit of requests, each carrying up to --batch-max records. */
  private resize(limit: number): void {
    const records = limit * this.batch.max;
    this.server.resizeWindow(windowFor(records, this.transport.maxPending), runningFor(limit) * this.batch.max);
  }

  /** The transport's oldest unfinished record, with what the dispatcher knows of its failures. */
  private oldestPending(): OldestPending | undefined {
    const oldest = this.server.oldestPending();
    if (!oldest) return undefined;
    const { partition, offset } = oldest;
    return {
      partition,
      offset,
      ageMs: Date.now() - oldest.since,
      retrying: this.dispatcher.retrying(recordId({ topic: this.transport.topic, partition, offset })),
    };
  }

  onModuleInit(): void {
    const { server, circuit, limiter } = this;
    this.stats.attach({
      inFlight: () => server.inFlight,
      lag: () => server.lag,
      circuit: () => circuit.state,
      concurrency: () => ({ inFlight: limiter.inFlight, limit: limiter.limit }),
      waitingForKafka: () => server.waitingForKafka,
      oldestPending: () => this.oldestPending(),
      filtered: () => this.filter?.filtered,
    });

    let open = false;
    circuit.onStateChange((state) => {
      if ((state === 'open') === open) return;
      open = state === 'open';
      this.log.warn(
        open
          ? 'The target keeps failing: circuit open, consumption paused, probing once per cool-down'
          : `Circuit ${state}: the target answers again, consumption resumed`,
      );
      if (open) server.consumption.pauseAll('circuit open');
      else server.consumption.resumeAll('circuit open');
    });

    if (!limiter.auto) return;
    this.resize(limiter.limit);
    limiter.onChange(({ from, to, reason }) => {
      this.resize(to);
      if (Math.abs(to - from) >= Math.max(2, from * 0.2))
        this.limiterLog.debug(`Concurrency limit ${from} -> ${to}: ${reason}`);
    });
  }
}
