import { KafkaTimeoutError, UnknownTopicError } from '@app/kafka';
import { BadRequestException, ForbiddenException, PayloadTooLargeException } from '@nestjs/common';
import { ApiError } from './api-error';
import { toApiError } from './to-api-error';

describe('toApiError', () => {
  const bugs: unknown[] = [];
  const onBug = (error: unknown) => bugs.push(error);
  beforeEach(() => (bugs.length = 0));

  it('keeps an ApiError as it is', () => {
    const error = new ApiError('RATE_LIMITED', 'Slow down.', undefined, 3);
    expect(toApiError(error, onBug)).toBe(error);
  });

  it('maps Kafka errors by their kind, with Retry-After where a retry may help', () => {
    expect(toApiError(new UnknownTopicError('orders'), onBug).toBody()).toEqual({
      success: false,
      code: 'TOPIC_NOT_FOUND',
      error: 'Topic "orders" does not exist.',
    });
    expect(toApiError(new KafkaTimeoutError('late', true), onBug)).toMatchObject({
      status: 503,
      code: 'KAFKA_TIMEOUT',
      retryAfterSeconds: 5,
    });
    expect(toApiError(new KafkaTimeoutError('queued too long', false), onBug)).toMatchObject({
      status: 503,
      code: 'KAFKA_UNAVAILABLE',
    });
  });

  it("maps Nest's HTTP exceptions by status", () => {
    expect(toApiError(new BadRequestException('bad'), onBug)).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'bad',
    });
    expect(toApiError(new PayloadTooLargeException('big'), onBug)).toMatchObject({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(bugs).toEqual([]);
  });

  it('reports anything else as a bug and tells the client nothing about it', () => {
    const secret = new TypeError("Cannot read properties of undefined (reading 'password')");
    const forbidden = new ForbiddenException();
    expect(toApiError(secret, onBug).toBody()).toEqual({
      success: false,
      code: 'INTERNAL_ERROR',
      error: 'The gateway failed unexpectedly; the error is in its log.',
    });
    expect(toApiError(forbidden, onBug).code).toBe('INTERNAL_ERROR');
    expect(bugs).toEqual([secret, forbidden]);
  });
});
