import { KafkaUnavailableError, UnknownTopicError } from '@app/kafka';
import { retryTransient } from './retry-transient';

describe('retryTransient', () => {
  it('retries retriable Kafka errors, ours and kafkajs own, then succeeds', async () => {
    const errors: Error[] = [
      new KafkaUnavailableError('moving'),
      Object.assign(new Error('This is not the correct coordinator for this group'), { retriable: true }),
    ];
    const retried: string[] = [];
    const result = await retryTransient(
      async () => {
        const next = errors.shift();
        if (next) throw next;
        return 'done';
      },
      { attempts: 5, onRetry: (e) => retried.push(e.message) },
    );
    expect(result).toBe('done');
    expect(retried).toEqual(['moving', 'This is not the correct coordinator for this group']);
  });

  it('throws at once what a retry cannot fix, and the last error once attempts are used up', async () => {
    let calls = 0;
    const unknownTopic = async () => {
      calls++;
      throw new UnknownTopicError('t');
    };
    await expect(retryTransient(unknownTopic, { attempts: 5 })).rejects.toThrow('Topic "t" does not exist.');
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      retryTransient(async () => Promise.reject(new KafkaUnavailableError(`down ${++calls}`)), { attempts: 2 }),
    ).rejects.toThrow('down 2');
  });
});
