import { METRICS_REGISTRY } from '@app/observability';
import { Test } from '@nestjs/testing';
import { Registry } from 'prom-client';
import { CLOCK } from '../dispatch/clock';
import { FakeClock, settle } from '../testing/fake-clock';
import { ForwardingStop } from '../forwarding-stop';
import { KafkaForwardServer } from '../transport/kafka-forward.server';
import { ForwardStats } from './forward-stats';
import { PROGRESS_OPTIONS, ProgressReporter } from './progress-reporter';

/** Carriage return and erase-line: the terminal's status line is redrawn in place. */
const CLEAR_LINE = '\r\x1b[2K';

/** Boots a ProgressReporter as the module does, with the transport, the stop and time faked. */
async function boot(tty = false) {
  const clock = new FakeClock();
  const stop = new AbortController();
  const server = { refreshLag: jest.fn(async () => undefined) };
  const moduleRef = await Test.createTestingModule({
    providers: [
      ProgressReporter,
      ForwardStats,
      { provide: METRICS_REGISTRY, useValue: new Registry() },
      { provide: KafkaForwardServer, useValue: server },
      { provide: ForwardingStop, useValue: { signal: stop.signal } },
      { provide: PROGRESS_OPTIONS, useValue: { intervalS: 10, tty, stuckAfterMs: 30_000 } },
      { provide: CLOCK, useValue: clock },
    ],
  }).compile();
  const reporter = moduleRef.get(ProgressReporter);
  const log = jest.fn();
  reporter['log'].log = log;
  await moduleRef.init();
  return { clock, stop, server, log, moduleRef, stats: moduleRef.get(ForwardStats) };
}

/** The transport's lag (and the filter's count, with a --filter), as the wiring attaches them. */
function attachLag(stats: ForwardStats, lag: ReadonlyMap<number, bigint>, filtered?: () => number): void {
  stats.attach({
    filtered: filtered ?? (() => undefined),
    inFlight: () => 0,
    lag: () => lag,
    circuit: () => 'closed',
    concurrency: () => ({ inFlight: 0, limit: 0 }),
    waitingForKafka: () => undefined,
    oldestPending: () => undefined,
  });
}

describe('ProgressReporter', () => {
  it('logs a progress line every --stats-interval from bootstrap, with the lag refreshed first', async () => {
    const { clock, server, log, stats } = await boot();
    attachLag(stats, new Map([[0, 0n]]));
    stats.recordDelivery(5);
    await clock.advance(9_999);
    expect(log).not.toHaveBeenCalled();
    await clock.advance(1);
    expect(server.refreshLag).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith('delivered 1, retried 0, dead-lettered 0, in flight 0 (limit 0), 0.1/s, lag 0');
    await clock.advance(10_000);
    expect(log).toHaveBeenCalledTimes(2);
  });

  it('names the oldest record not done once it is older than a few retry periods, and what it met', async () => {
    const { clock, log, stats } = await boot();
    let oldest: ReturnType<ForwardStats['oldestPending']> = { partition: 0, offset: 505n, ageMs: 29_000 };
    stats.attach({
      inFlight: () => 1,
      lag: () => new Map([[0, 505n]]),
      circuit: () => 'closed',
      concurrency: () => ({ inFlight: 1, limit: 16 }),
      waitingForKafka: () => undefined,
      oldestPending: () => oldest,
      filtered: () => undefined,
    });
    await clock.advance(10_000);
    expect(log).toHaveBeenLastCalledWith(expect.not.stringContaining('oldest pending'));
    oldest = {
      partition: 0,
      offset: 505n,
      ageMs: 42_000,
      retrying: { key: Buffer.from('k-poison'), attempts: 3, problem: 'HTTP 500', blamed: true },
    };
    await clock.advance(10_000);
    expect(log).toHaveBeenLastCalledWith(
      'delivered 0, retried 0, dead-lettered 0, in flight 1 (limit 16), 0.0/s, lag 505; oldest pending 42s: ' +
        'partition 0 offset 505 key "k-poison", 3 attempt(s), last HTTP 500 (refused while others are accepted)',
    );
    oldest = { partition: 2, offset: 9n, ageMs: 31_000 };
    await clock.advance(10_000);
    expect(log).toHaveBeenLastCalledWith(
      expect.stringMatching(/; oldest pending 31s: partition 2 offset 9, no attempt failed yet$/),
    );
  });

  it('with a --filter, counts the records it passed over as done, on the line and in the summary', async () => {
    const { clock, log, moduleRef, stats } = await boot();
    let filtered = 0;
    attachLag(stats, new Map([[0, 0n]]), () => filtered);
    stats.recordDelivery(5);
    filtered = 9;
    await clock.advance(10_000);
    expect(log).toHaveBeenLastCalledWith(
      'delivered 1, filtered 9, retried 0, dead-lettered 0, in flight 0 (limit 0), 1.0/s, lag 0',
    );
    await moduleRef.close();
    expect(log).toHaveBeenLastCalledWith(
      expect.stringMatching(/^Summary after [\d.]+s: delivered 1, filtered 9, dead-lettered 0 /),
    );
  });

  it('says the lag is unknown, not 0, while no partition has reported one (Kafka never reached)', async () => {
    const { clock, log, moduleRef, stats } = await boot();
    await clock.advance(10_000);
    expect(log).toHaveBeenLastCalledWith(expect.stringMatching(/, lag unknown$/));
    attachLag(
      stats,
      new Map([
        [0, 3n],
        [1, 4n],
      ]),
    );
    await clock.advance(10_000);
    expect(log).toHaveBeenLastCalledWith(expect.stringMatching(/, lag 7$/));
    attachLag(stats, new Map());
    await moduleRef.close();
    expect(log).toHaveBeenLastCalledWith(expect.stringMatching(/^Summary after .*, lag unknown$/));
  });

  it('still reports when the lag cannot be refreshed', async () => {
    const { clock, server, log } = await boot();
    server.refreshLag.mockRejectedValue(new Error('Kafka is unavailable'));
    await clock.advance(10_000);
    expect(log).toHaveBeenCalledTimes(1);
  });

  it('stops reporting as soon as the run starts to stop', async () => {
    const { clock, stop, log } = await boot();
    await clock.advance(10_000);
    stop.abort();
    await clock.advance(60_000);
    expect(log).toHaveBeenCalledTimes(1);
  });

  it('logs the summary once the application has closed, and nothing else after', async () => {
    const { clock, log, moduleRef, stats } = await boot();
    stats.recordDeadLetter('rejected');
    await moduleRef.close();
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0][0]).toMatch(
      /^Summary after [\d.]+s: delivered 0, dead-lettered 1 \(1 rejected, 0 retries exhausted\), retries 0 /,
    );
    await clock.advance(60_000);
    expect(log).toHaveBeenCalledTimes(1);
  });

  it('on a terminal redraws one status line every second, and clears it when the run stops', async () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const { clock, stop, log } = await boot(true);
      await clock.advance(1_000);
      expect(String(write.mock.lastCall?.[0]).startsWith(`${CLEAR_LINE}delivered 0, `)).toBe(true);
      stop.abort();
      await settle();
      expect(write).toHaveBeenLastCalledWith(CLEAR_LINE);
      expect(log).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
  });
});
