import { formatDuration } from '@app/config';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, type Clock } from '../dispatch/clock';
import { ForwardingStop } from '../forwarding-stop';
import { KafkaForwardServer } from '../transport/kafka-forward.server';
import { ForwardStats } from './forward-stats';

export interface ProgressOptions {
  /** --stats-interval: seconds between progress lines when stderr is not a terminal. */
  intervalS: number;
  /** A live status line on stderr (a terminal) instead of log lines. */
  tty: boolean;
  /** The line names the oldest record not done once it is this old: a few retry periods. */
  stuckAfterMs: number;
}

/** Keys on the progress line are cut to this many characters. */
const KEY_SHOWN = 40;

export const PROGRESS_OPTIONS = Symbol('PROGRESS_OPTIONS');

/**
 * The forwarder's voice on the terminal: a live status line on a TTY, or one log line every
 * interval otherwise, from bootstrap until the run starts to stop; and a summary once the
 * application has closed, when every delivery has finished and been counted.
 */
@Injectable()
export class ProgressReporter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Forwarder');
  private running = false;
  private readonly halted = new AbortController();
  private lastDone = 0;
  private lastAt: number;

  constructor(
    private readonly stats: ForwardStats,
    private readonly server: KafkaForwardServer,
    private readonly stop: ForwardingStop,
    @Inject(PROGRESS_OPTIONS) private readonly options: ProgressOptions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.lastAt = clock.now();
  }

  onApplicationBootstrap(): void {
    if (this.stop.signal.aborted) return;
    this.running = true;
    // Stopped as the stop begins, so the `Stopping` line does not share the terminal line with the status.
    this.stop.signal.addEventListener('abort', () => this.halt(), { once: true });
    void this.report();
  }

  onApplicationShutdown(): void {
    this.halt();
    this.log.log(this.summary());
  }

  private halt(): void {
    if (!this.running) return;
    this.running = false;
    this.halted.abort();
    if (this.options.tty) process.stderr.write('\r\x1b[2K');
  }

  private async report(): Promise<void> {
    const every = (this.options.tty ? 1 : this.options.intervalS) * 1000;
    while (this.running) {
      await this.clock.sleep(every, this.halted.signal);
      if (!this.running) return;
      await this.server.refreshLag().catch(() => undefined);
      if (!this.running) return;
      this.tick();
    }
  }

  private tick(): void {
    const now = this.clock.now();
    const rate = ((this.stats.done - this.lastDone) * 1000) / Math.max(1, now - this.lastAt);
    this.lastDone = this.stats.done;
    this.lastAt = now;
    const line = this.line(rate);
    if (this.options.tty) process.stderr.write(`\r\x1b[2K${line}`);
    else this.log.log(line);
  }

  line(rate: number): string {
    const s = this.stats;
    // Lag is unknown, not 0, until the consumer reaches Kafka.
    if (s.waitingForKafka !== undefined)
      return `waiting for Kafka: ${s.waitingForKafka}; delivered ${s.delivered}, in flight ${s.inFlight}`;
    const circuit = s.circuit === 'closed' ? '' : `, circuit ${s.circuit}`;
    const concurrency = s.concurrency();
    return `delivered ${s.delivered}${filteredOf(s)}, retried ${s.retries}, dead-lettered ${s.deadLettered}, in flight ${concurrency.inFlight} (limit ${concurrency.limit}), ${rate.toFixed(1)}/s, ${lagOf(s)}${circuit}${this.stuck()}`;
  }

  /** What holds the commit back, once the oldest record not done is older than a few retry periods. */
  private stuck(): string {
    const oldest = this.stats.oldestPending();
    if (!oldest || oldest.ageMs < this.options.stuckAfterMs) return '';
    const where = `; oldest pending ${Math.round(oldest.ageMs / 1000)}s: partition ${oldest.partition} offset ${oldest.offset}`;
    const retrying = oldest.retrying;
    if (!retrying) return `${where}, no attempt failed yet`;
    const key = retrying.key === null ? 'no key' : `key ${JSON.stringify(shortKey(retrying.key))}`;
    const verdict = retrying.blamed
      ? 'refused while others are accepted'
      : 'held: no other record proves the target works';
    return `${where} ${key}, ${retrying.attempts} attempt(s), last ${retrying.problem} (${verdict})`;
  }

  summary(): string {
    const s = this.stats;
    const seconds = (Date.now() - s.startedAt) / 1000;
    const p50 = s.latencyQuantile(0.5);
    const p99 = s.latencyQuantile(0.99);
    const latency =
      p50 === undefined
        ? ''
        : `; delivery latency p50 ${formatDuration(Math.round(p50))}, p99 ${formatDuration(Math.round(p99!))}`;
    return (
      `Summary after ${seconds.toFixed(1)}s: delivered ${s.delivered}${filteredOf(s)}, dead-lettered ${s.deadLettered} (${s.rejected} rejected, ${s.exhausted} retries exhausted), ` +
      `retries ${s.retries} (${s.throttled} after 429/503 while backing off), ${(s.done / Math.max(seconds, 0.001)).toFixed(1)}/s overall${latency}, ${lagOf(s)}`
    );
  }
}

/** Unknown, not 0, while no partition's lag has been read: Kafka never reached, or nothing assigned yet. */
function lagOf(stats: ForwardStats): string {
  return stats.lag.size === 0 ? 'lag unknown' : `lag ${stats.totalLag()}`;
}

/** Shown only with a --filter. */
function filteredOf(stats: ForwardStats): string {
  const filtered = stats.filtered;
  return filtered === undefined ? '' : `, filtered ${filtered}`;
}

function shortKey(key: Buffer): string {
  const text = key.toString('utf8');
  return text.length > KEY_SHOWN ? `${text.slice(0, KEY_SHOWN)}...` : text;
}
