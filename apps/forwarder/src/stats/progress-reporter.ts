import { formatDuration } from '@app/config';
import type { LoggerService } from '@nestjs/common';
import type { ForwardStats } from './forward-stats';

/**
 * The forwarder's voice on the terminal: a live status line on a TTY, or one log line every
 * interval otherwise, and a summary at exit.
 */
export class ProgressReporter {
  private timer?: NodeJS.Timeout;
  private lastDone = 0;
  private lastAt = Date.now();
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(
    private readonly stats: ForwardStats,
    private readonly logger: LoggerService,
    private readonly intervalS: number,
    private readonly beforeTick: () => Promise<void>,
  ) {}

  start(): void {
    const every = this.tty ? 1 : this.intervalS;
    this.timer = setInterval(() => void this.tick(), every * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.tty) process.stderr.write('\r\x1b[2K');
  }

  private async tick(): Promise<void> {
    await this.beforeTick().catch(() => undefined);
    const now = Date.now();
    const rate = ((this.stats.done - this.lastDone) * 1000) / Math.max(1, now - this.lastAt);
    this.lastDone = this.stats.done;
    this.lastAt = now;
    const line = this.line(rate);
    if (this.tty) process.stderr.write(`\r\x1b[2K${line}`);
    else this.logger.log(line, 'Forwarder');
  }

  line(rate: number): string {
    const s = this.stats;
    // Lag is unknown, not 0, until the consumer reaches Kafka.
    if (s.waitingForKafka !== undefined)
      return `waiting for Kafka: ${s.waitingForKafka}; delivered ${s.delivered}, in flight ${s.inFlight}`;
    const circuit = s.circuit === 'closed' ? '' : `, circuit ${s.circuit}`;
    const concurrency = s.concurrency();
    return `delivered ${s.delivered}, retried ${s.retries}, dead-lettered ${s.deadLettered}, in flight ${concurrency.inFlight} (limit ${concurrency.limit}), ${rate.toFixed(1)}/s, lag ${s.totalLag()}${circuit}`;
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
      `Summary after ${seconds.toFixed(1)}s: delivered ${s.delivered}, dead-lettered ${s.deadLettered} (${s.rejected} rejected, ${s.exhausted} retries exhausted), ` +
      `retries ${s.retries} (${s.throttled} after 429/503 while backing off), ${(s.done / Math.max(seconds, 0.001)).toFixed(1)}/s overall${latency}, lag ${s.totalLag()}`
    );
  }
}
