import {
  KafkaAdmin,
  KafkaProducer,
  KafkaTimeoutError,
  KafkaUnavailableError,
  UnknownPartitionError,
  UnknownTopicError,
  type RecordToProduce,
} from '@app/kafka';
import { HttpStatus } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ApiError } from '../common/api-error';
import { TopicAccess } from '../access/topic-access';
import { INGRESS_CONFIG } from '../config/ingress.config';
import { PayloadContracts } from '../contracts/payload-contracts';
import { ProduceService } from './produce.service';

describe('ProduceService', () => {
  const produce = jest.fn<Promise<unknown>, [RecordToProduce, number]>();
  const createTopic = jest.fn<Promise<boolean>, [string]>();
  let service: ProduceService;

  async function build(config: { autoCreateTopics?: boolean } = {}) {
    const moduleRef = await Test.createTestingModule({
      providers: [
        ProduceService,
        { provide: KafkaProducer, useValue: { produce } },
        { provide: KafkaAdmin, useValue: { createTopic } },
        TopicAccess,
        { provide: PayloadContracts, useValue: { forTopic: () => undefined } },
        {
          provide: INGRESS_CONFIG,
          useValue: {
            produceTimeoutMs: 1234,
            maxBatchMessages: 3,
            autoCreateTopics: false,
            access: { allowedTopics: ['t', 'orders.*'] },
            ...config,
          },
        },
      ],
    }).compile();
    service = moduleRef.get(ProduceService);
  }

  const written = (partition: number, offset: number) => ({
    topic: 't',
    partition,
    offset,
    timestamp: '2026-01-01T00:00:00.000Z',
  });

  beforeEach(async () => {
    produce.mockReset();
    createTopic.mockReset();
    await build();
  });

  it('writes the JSON text of the payload with the key and headers, bounded by PRODUCE_TIMEOUT_MS', async () => {
    produce.mockResolvedValue(written(1, 42));
    const result = await service.produce({ topic: 't', key: 'k', payload: { a: [1, 'x'] }, headers: { h: 'v' } });
    expect(result).toEqual({
      success: true,
      message: 'Message delivered to topic t, partition 1, offset 42',
      topic: 't',
      partition: 1,
      offset: 42,
      timestamp: '2026-01-01T00:00:00.000Z',
    });
    expect(produce).toHaveBeenCalledWith(
      {
        topic: 't',
        key: 'k',
        value: Buffer.from('{"a":[1,"x"]}'), // the payload's JSON text, as bytes
        headers: { h: 'v', traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/) },
        partition: undefined,
      },
      1234,
    );
  });

  it("continues the caller's trace in the record headers, unless the message sets its own", async () => {
    produce.mockResolvedValue(written(0, 0));
    const caller = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await service.produce({ topic: 't', payload: 1 }, { traceparent: caller, tracestate: 'vendor=1' });
    expect(produce.mock.calls[0][0].headers).toEqual({
      traceparent: expect.stringMatching(/^00-0af7651916cd43dd8448eb211c80319c-(?!b7ad6b7169203331)[0-9a-f]{16}-01$/),
      tracestate: 'vendor=1',
    });
    await service.produce({ topic: 't', payload: 1, headers: { traceparent: 'mine' } }, { traceparent: caller });
    expect(produce.mock.calls[1][0].headers).toEqual({ traceparent: 'mine' });
  });

  it('refuses topics outside INGRESS_ALLOWED_TOPICS with 403, writing nothing', async () => {
    await expect(service.produce({ topic: 'payments', payload: 1 })).rejects.toMatchObject({
      code: 'TOPIC_NOT_ALLOWED',
      status: 403,
    });
    await expect(service.produceBatch({ topic: 'payments', messages: [{ payload: 1 }] })).rejects.toMatchObject({
      code: 'TOPIC_NOT_ALLOWED',
    });
    produce.mockResolvedValue(written(0, 0));
    await expect(service.produce({ topic: 'orders.eu', payload: 1 })).resolves.toMatchObject({ success: true });
    expect(produce).toHaveBeenCalledTimes(1);
  });

  it('answers 200 only when every message of a batch was written', async () => {
    produce.mockResolvedValueOnce(written(0, 1)).mockResolvedValueOnce(written(1, 7));
    const outcome = await service.produceBatch({ topic: 't', messages: [{ payload: 1 }, { payload: 2 }] });
    expect(outcome.status).toBe(HttpStatus.OK);
    expect(outcome.body).toEqual({
      success: true,
      topic: 't',
      results: [
        expect.objectContaining({ success: true, partition: 0, offset: 1 }),
        expect.objectContaining({ success: true, partition: 1, offset: 7 }),
      ],
    });
  });

  it('answers 207 with a result per message when only some were written', async () => {
    produce
      .mockResolvedValueOnce(written(0, 1))
      .mockRejectedValueOnce(new UnknownPartitionError('t', 9, 3))
      .mockRejectedValueOnce(new KafkaTimeoutError('slow', true));
    const outcome = await service.produceBatch({
      topic: 't',
      messages: [{ payload: 1 }, { payload: 2, partition: 9 }, { payload: 3 }],
    });
    expect(outcome.status).toBe(HttpStatus.MULTI_STATUS);
    expect(outcome.body.success).toBe(false);
    expect(outcome.body.results).toEqual([
      expect.objectContaining({ success: true }),
      { success: false, code: 'PARTITION_NOT_FOUND', error: expect.stringContaining('partition 9') },
      { success: false, code: 'KAFKA_TIMEOUT', error: expect.any(String) },
    ]);
  });

  it('answers the shared error when every message failed alike', async () => {
    produce.mockRejectedValue(new KafkaUnavailableError('down'));
    await expect(
      service.produceBatch({ topic: 't', messages: [{ payload: 1 }, { payload: 2 }] }),
    ).rejects.toMatchObject({ code: 'KAFKA_UNAVAILABLE', status: 503, retryAfterSeconds: 5 });
  });

  it('refuses a batch over the configured size before writing anything', async () => {
    await expect(
      service.produceBatch({ topic: 't', messages: [{ payload: 1 }, { payload: 2 }, { payload: 3 }, { payload: 4 }] }),
    ).rejects.toBeInstanceOf(ApiError);
    expect(produce).not.toHaveBeenCalled();
  });

  it('leaves an unknown topic unknown unless auto-creation is on', async () => {
    produce.mockRejectedValue(new UnknownTopicError('t'));
    await expect(service.produce({ topic: 't', payload: 1 })).rejects.toBeInstanceOf(UnknownTopicError);
    expect(createTopic).not.toHaveBeenCalled();
  });

  it('creates an unknown topic and writes to it when INGRESS_AUTO_CREATE_TOPICS is on', async () => {
    await build({ autoCreateTopics: true });
    produce.mockRejectedValueOnce(new UnknownTopicError('t')).mockResolvedValueOnce(written(0, 0));
    createTopic.mockResolvedValue(true);
    await expect(service.produce({ topic: 't', payload: 1 })).resolves.toMatchObject({ success: true, offset: 0 });
    expect(createTopic).toHaveBeenCalledWith('t');
  });
});
