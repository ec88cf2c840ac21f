import type { Logger } from '@nestjs/common';
import { CrashRecovery } from './crash-recovery';

describe('CrashRecovery', () => {
  let restarts: number;
  let stopping: AbortController;
  let log: { log: jest.Mock; error: jest.Mock };
  let recovery: CrashRecovery;

  const kafkaError = (type: string, message = type) =>
    Object.assign(new Error(message), { name: 'KafkaJSProtocolError', type });

  beforeEach(() => {
    jest.useFakeTimers();
    restarts = 0;
    stopping = new AbortController();
    log = { log: jest.fn(), error: jest.fn() };
    recovery = new CrashRecovery(
      async () => {
        restarts++;
      },
      stopping.signal,
      log as unknown as Logger,
    );
  });

  afterEach(() => jest.useRealTimers());

  it('says a loading or moving group coordinator in one info line, without an error, and leaves the restart to kafkajs', async () => {
    recovery.crashed(kafkaError('GROUP_LOAD_IN_PROGRESS', 'The coordinator is loading'), true);
    // kafkajs wraps it in a KafkaJSNumberOfRetriesExceeded; the cause is what counts.
    const wrapped = Object.assign(new Error('retries exceeded'), {
      originalError: kafkaError('NOT_COORDINATOR_FOR_GROUP'),
    });
    recovery.crashed(wrapped, true);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(log.log.mock.calls).toEqual([
      ['Consumer rejoining: The coordinator is loading (kafkajs restarts it)'],
      ['Consumer rejoining: retries exceeded (kafkajs restarts it)'],
    ]);
    expect(log.error).not.toHaveBeenCalled();
    expect(restarts).toBe(0);
  });

  it('logs any other crash kafkajs restarts from as an error, and does not restart it a second time', async () => {
    recovery.crashed(kafkaError('UNKNOWN_MEMBER_ID', 'The member is unknown'), true);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(log.error).toHaveBeenCalledWith(
      'Consumer crashed (KafkaJSProtocolError: The member is unknown); kafkajs restarts it',
    );
    expect(restarts).toBe(0);
  });

  it('restarts a consumer kafkajs gave up on once, 5 s later, however often it crashed meanwhile', async () => {
    recovery.crashed(new Error('connection lost'), false);
    recovery.crashed(new Error('connection lost again'), false);
    expect(log.error).toHaveBeenCalledWith('Consumer crashed (Error: connection lost); restarting it');
    await jest.advanceTimersByTimeAsync(4_999);
    expect(restarts).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(restarts).toBe(1);
    recovery.crashed(new Error('and again'), false);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(restarts).toBe(2);
  });

  it('does not restart a consumer whose transport stops during the wait', async () => {
    recovery.crashed(new Error('connection lost'), false);
    stopping.abort();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(restarts).toBe(0);
  });

  it('says a failed restart in one line and tries again on the next crash', async () => {
    recovery = new CrashRecovery(
      async () => {
        restarts++;
        throw new Error('no broker answers');
      },
      stopping.signal,
      log as unknown as Logger,
    );
    recovery.crashed(new Error('connection lost'), false);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(log.error).toHaveBeenLastCalledWith('Restart failed: no broker answers');
    recovery.crashed(new Error('connection lost'), false);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(restarts).toBe(2);
  });
});
