import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ConcurrencyLimiter } from './dispatch/concurrency-limiter';
import { ForwardStats } from './stats/forward-stats';
import { FORWARD_TRANSPORT_OPTIONS, KafkaForwardServer, type ForwardTransportOptions } from './transport/kafka-forward.server';

/** The fewest records fetched ahead, whatever the limit: enough lanes to find work for it. */
const MIN_WINDOW = 1_000;

/** Records fetched and not yet done for a concurrency limit: four per slot, up to --max-pending. */
export function windowFor(limit: number, maxPending: number): number {
  return Math.min(maxPending, Math.max(MIN_WINDOW, 4 * limit));
}

/**
 * Wires the concurrency limiter to the rest: the transport's window of fetched records follows
 * the limit (so memory stays bounded by what is being delivered), the stats show it, and large
 * changes are logged with their reason at debug level.
 */
@Injectable()
export class FlowControl implements OnModuleInit {
  private readonly log = new Logger('Limiter');

  constructor(
    private readonly limiter: ConcurrencyLimiter,
    private readonly server: KafkaForwardServer,
    private readonly stats: ForwardStats,
    @Inject(FORWARD_TRANSPORT_OPTIONS) private readonly transport: ForwardTransportOptions,
  ) {}

  onModuleInit(): void {
    this.stats.concurrency = () => ({ inFlight: this.limiter.inFlight, limit: this.limiter.limit });
    if (!this.limiter.auto) return;
    this.server.resizeWindow(windowFor(this.limiter.limit, this.transport.maxPending));
    this.limiter.onChange(({ from, to, reason }) => {
      this.server.resizeWindow(windowFor(to, this.transport.maxPending));
      if (Math.abs(to - from) >= Math.max(2, from * 0.2)) this.log.debug(`Concurrency limit ${from} -> ${to}: ${reason}`);
    });
  }
}
