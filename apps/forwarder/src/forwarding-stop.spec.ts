import { Test } from '@nestjs/testing';
import { EventEmitter } from 'node:events';
import { CLOCK } from './dispatch/clock';
import { FakeClock, settle } from './testing/fake-clock';
import {
  FORWARDING_STOP_OPTIONS,
  ForwardingStop,
  SAME_STOP_MS,
  SIGNAL_SOURCE,
  type ForwardingStopOptions,
} from './forwarding-stop';
import { KafkaForwardServer } from './transport/kafka-forward.server';

/** The process's signals, raised by the test; exit() records the code instead of exiting. */
class FakeSignals extends EventEmitter {
  readonly exit = jest.fn();
}

/** Boots a ForwardingStop as the module does, with the transport, the process and time faked. */
async function boot(options: ForwardingStopOptions = {}) {
  const clock = new FakeClock();
  const signals = new FakeSignals();
  const finishedListeners: Array<() => void> = [];
  interface FakeServer {
    idle: boolean;
    isIdleFor: jest.Mock<boolean, []>;
    on(event: string, listener: () => void): FakeServer;
  }
  const server: FakeServer = {
    idle: false,
    isIdleFor: jest.fn(() => server.idle),
    on: (event, listener) => (event === 'finished' && finishedListeners.push(listener), server),
  };
  const moduleRef = await Test.createTestingModule({
    providers: [
      ForwardingStop,
      { provide: KafkaForwardServer, useValue: server },
      { provide: FORWARDING_STOP_OPTIONS, useValue: options },
      { provide: SIGNAL_SOURCE, useValue: signals },
      { provide: CLOCK, useValue: clock },
    ],
  }).compile();
  const stop = moduleRef.get(ForwardingStop);
  const log = { log: jest.fn(), warn: jest.fn() };
  Object.assign(stop['log'], log);
  await moduleRef.init();
  let reason: string | undefined;
  void stop.finished.then((r) => (reason = r));
  return {
    stop,
    clock,
    signals,
    server,
    log,
    moduleRef,
    maxMessagesDone: () => finishedListeners.forEach((listener) => listener()),
    /** The reason `finished` resolved with, once pending work has run; undefined while running. */
    reason: async () => (await settle(), reason),
  };
}

describe('ForwardingStop', () => {
  it.each(['SIGTERM', 'SIGINT'])('stops cleanly on the first %s, aborting its signal', async (signal) => {
    const { stop, signals, reason } = await boot();
    expect(await reason()).toBeUndefined();
    signals.emit(signal, signal);
    expect(stop.signal.aborted).toBe(true);
    expect(await reason()).toBe(signal);
    expect(signals.exit).not.toHaveBeenCalled();
  });

  it('takes a second signal within the same-stop window as the same clean stop', async () => {
    const { signals, clock, log, reason } = await boot();
    signals.emit('SIGINT', 'SIGINT');
    await clock.advance(SAME_STOP_MS - 1);
    signals.emit('SIGTERM', 'SIGTERM');
    expect(signals.exit).not.toHaveBeenCalled();
    expect(log.log).toHaveBeenCalledWith('SIGTERM again within 1500 ms: the same clean stop');
    expect(await reason()).toBe('SIGINT');
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ])('exits at once, %s with %i, on a second signal after the window', async (signal, code) => {
    const { signals, clock, log } = await boot();
    signals.emit('SIGTERM', 'SIGTERM');
    await clock.advance(SAME_STOP_MS);
    signals.emit(signal, signal);
    expect(signals.exit).toHaveBeenCalledWith(code);
    expect(log.warn).toHaveBeenCalledWith(`${signal} again: exiting at once`);
  });

  it('stops after --idle-exit once the transport has been idle that long', async () => {
    const { server, clock, reason } = await boot({ idleExitMs: 3_000 });
    await clock.advance(5_000);
    expect(server.isIdleFor).toHaveBeenCalledWith(3_000);
    expect(await reason()).toBeUndefined();
    server.idle = true;
    await clock.advance(250);
    expect(await reason()).toBe('idle for 3000 ms');
  });

  it('never asks about idleness without --idle-exit', async () => {
    const { server, clock } = await boot();
    server.idle = true;
    await clock.advance(60_000);
    expect(server.isIdleFor).not.toHaveBeenCalled();
  });

  it('stops once --max-messages records are done', async () => {
    const { maxMessagesDone, reason } = await boot({ maxMessages: 10 });
    maxMessagesDone();
    expect(await reason()).toBe('--max-messages 10 reached');
  });

  it('keeps the first reason, and stops watching for idleness once stopped', async () => {
    const { signals, server, clock, maxMessagesDone, reason } = await boot({ idleExitMs: 1_000, maxMessages: 5 });
    signals.emit('SIGTERM', 'SIGTERM');
    maxMessagesDone();
    server.idle = true;
    server.isIdleFor.mockClear();
    await clock.advance(5_000);
    expect(server.isIdleFor).not.toHaveBeenCalled();
    expect(await reason()).toBe('SIGTERM');
  });

  it('stops as failed, keeping the error, when the consumer cannot start', async () => {
    const { stop, reason } = await boot();
    stop.fail(new Error('topic authorization failed'));
    expect(await reason()).toBe('failed');
    expect(stop.failure?.message).toBe('topic authorization failed');
  });

  it('hands the signals back to the process once the application has closed', async () => {
    const { signals, moduleRef } = await boot();
    expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(2);
    await moduleRef.close();
    expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(0);
  });
});
