import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, type Clock } from './dispatch/clock';
import { KafkaForwardServer } from './transport/kafka-forward.server';

export interface ForwardingStopOptions {
  /** --max-messages: stop once this many records are done. */
  maxMessages?: number;
  /** --idle-exit: stop after this long with nothing to do. */
  idleExitMs?: number;
}

export const FORWARDING_STOP_OPTIONS = Symbol('FORWARDING_STOP_OPTIONS');

/** The process's signals and its immediate exit: `process` itself, a fake in unit specs. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
}

export const SIGNAL_SOURCE = Symbol('SIGNAL_SOURCE');

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
const IDLE_CHECK_MS = 250;
/** A terminal's Ctrl+C reaches every process of its group, and a supervisor may pass it on: within this window a signal is the same stop. */
export const SAME_STOP_MS = 1_500;

/**
 * When a forwarding run stops, and why: SIGTERM/SIGINT, --max-messages records done, or
 * --idle-exit with nothing to do, whichever comes first (or a failure to start the consumer).
 * `signal` aborts at once, so work in progress (the dead-letter topic, --from) gives up; the
 * runner awaits `finished` and closes the application. A second signal more than SAME_STOP_MS
 * after the first exits at once with 130 (SIGINT) or 143 (SIGTERM).
 */
@Injectable()
export class ForwardingStop implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Forwarder');
  private readonly controller = new AbortController();
  private resolve!: (reason: string) => void;
  /** Resolves with the reason of the stop, as the `Stopping (...)` line shows it. */
  readonly finished = new Promise<string>((resolve) => (this.resolve = resolve));
  private firstSignalAt?: number;
  private error?: Error;

  constructor(
    private readonly server: KafkaForwardServer,
    @Inject(FORWARDING_STOP_OPTIONS) private readonly options: ForwardingStopOptions,
    @Inject(SIGNAL_SOURCE) private readonly signals: SignalSource,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Aborts when the run starts to stop. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why the consumer could not start, when that is what stopped the run. */
  get failure(): Error | undefined {
    return this.error;
  }

  /** Stops the run for `reason`; only the first reason counts. */
  finish(reason: string): void {
    if (this.controller.signal.aborted) return;
    this.controller.abort();
    this.resolve(reason);
  }

  /** Stops the run because the consumer could not start. */
  fail(error: unknown): void {
    this.error ??= error instanceof Error ? error : new Error(String(error));
    this.finish('failed');
  }

  onApplicationBootstrap(): void {
    for (const signal of SIGNALS) this.signals.on(signal, this.onSignal);
    this.server.on('finished', () => this.finish(`--max-messages ${this.options.maxMessages} reached`));
    if (this.options.idleExitMs !== undefined) void this.watchIdle(this.options.idleExitMs);
  }

  /** After the application has closed (deliveries drained, offsets committed): signals are the process's again. */
  onApplicationShutdown(): void {
    for (const signal of SIGNALS) this.signals.off(signal, this.onSignal);
  }

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    const now = this.clock.now();
    if (this.firstSignalAt === undefined) {
      this.firstSignalAt = now;
      return this.finish(signal);
    }
    if (now - this.firstSignalAt < SAME_STOP_MS)
      return this.log.log(`${signal} again within ${SAME_STOP_MS} ms: the same clean stop`);
    // At-least-once still holds: whatever was not committed is delivered again by the next run.
    this.log.warn(`${signal} again: exiting at once`);
    this.signals.exit(signal === 'SIGINT' ? 130 : 143);
  };

  private async watchIdle(idleExitMs: number): Promise<void> {
    const { signal } = this.controller;
    while (!signal.aborted) {
      await this.clock.sleep(IDLE_CHECK_MS, signal);
      if (!signal.aborted && this.server.isIdleFor(idleExitMs)) this.finish(`idle for ${idleExitMs} ms`);
    }
  }
}
