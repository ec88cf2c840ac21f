import { KafkaAdmin, KafkaProducer, UnknownTopicError, type ProducedRecord, type RecordToProduce } from '@app/kafka';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { childTraceparent, TRACEPARENT, TRACESTATE } from '@app/observability';
import type { AuthenticatedClient } from '../access/authenticated-client';
import { TopicAccess } from '../access/topic-access';
import { ApiError } from '../common/api-error';
import { toApiError } from '../common/to-api-error';
import { INGRESS_CONFIG, type IngressConfig } from '../config/ingress.config';
import type { ProduceBatchRequestDto } from './dto/produce-batch-request.dto';
import type { ProduceRequestDto } from './dto/produce-request.dto';
import type { BatchItemResult, ProduceBatchResponse, ProduceResponse } from './dto/produce-response.dto';
import type { RecordDto } from './dto/record.dto';

/** The caller's W3C trace context, carried into every record it writes. */
export interface TraceContext {
  traceparent?: string;
  tracestate?: string;
}

export interface BatchOutcome {
  status: HttpStatus.OK | HttpStatus.MULTI_STATUS;
  body: ProduceBatchResponse;
}

/** Turns validated requests into records and answers only after Kafka acknowledged them. */
@Injectable()
export class ProduceService {
  private readonly logger = new Logger(ProduceService.name);

  constructor(
    private readonly producer: KafkaProducer,
    private readonly admin: KafkaAdmin,
    private readonly topics: TopicAccess,
    @Inject(INGRESS_CONFIG) private readonly config: IngressConfig,
  ) {}

  async produce(
    request: ProduceRequestDto,
    trace: TraceContext = {},
    client?: AuthenticatedClient,
  ): Promise<ProduceResponse> {
    this.topics.assertAllowed(request.topic, client);
    const { topic, partition, offset, timestamp } = await this.write(
      toRecord(request.topic, request, trace, client?.metricLabel),
    );
    // `message` is the Go gateway's sentence, word for word: its clients log and parse it.
    return {
      success: true,
      message: `Message delivered to topic ${topic}, partition ${partition}, offset ${offset}`,
      topic,
      partition,
      offset,
      timestamp,
    };
  }

  /**
   * 200 when every record was written; 207 with a result per record when only some were; the
   * shared error when all failed alike (e.g. Kafka down), so a client never mistakes a partial
   * failure for success.
   */
  async produceBatch(
    request: ProduceBatchRequestDto,
    trace: TraceContext = {},
    client?: AuthenticatedClient,
  ): Promise<BatchOutcome> {
    this.topics.assertAllowed(request.topic, client);
    if (request.messages.length > this.config.maxBatchMessages) {
      const message = `messages must contain at most ${this.config.maxBatchMessages} records`;
      throw new ApiError('VALIDATION_FAILED', `The request is not valid: ${message}.`, [
        { field: 'messages', message },
      ]);
    }
    const settled = await Promise.allSettled(
      request.messages.map((message) => this.write(toRecord(request.topic, message, trace, client?.metricLabel))),
    );
    const errors = settled.map((s) => (s.status === 'rejected' ? toApiError(s.reason, this.logBug) : undefined));
    const failures = errors.filter((error) => error !== undefined);
    if (failures.length === settled.length && failures.every((f) => f.code === failures[0].code)) throw failures[0];
    const results: BatchItemResult[] = settled.map((s, i) => {
      if (s.status === 'fulfilled') {
        const { partition, offset, timestamp } = s.value;
        return { success: true, partition, offset, timestamp };
      }
      const error = errors[i]!;
      return { success: false, error: error.message, code: error.code };
    });
    const status = failures.length === 0 ? HttpStatus.OK : HttpStatus.MULTI_STATUS;
    return { status, body: { success: failures.length === 0, topic: request.topic, results } };
  }

  private readonly logBug = (error: unknown) =>
    this.logger.error({
      msg: 'Unexpected error writing a batch record',
      stack: (error as Error)?.stack ?? String(error),
    });

  /** The producer's own promise unless unknown topics are created: no async layer per record. */
  private write(record: RecordToProduce): Promise<ProducedRecord> {
    const written = this.producer.produce(record, this.config.produceTimeoutMs);
    if (!this.config.autoCreateTopics) return written;
    return written.catch(async (error: unknown) => {
      if (!(error instanceof UnknownTopicError)) throw error;
      if (await this.admin.createTopic(record.topic))
        this.logger.log(`Created topic "${record.topic}" (INGRESS_AUTO_CREATE_TOPICS=true)`);
      return this.producer.produce(record, this.config.produceTimeoutMs);
    });
  }
}

/**
 * The record for one message. Unless the message sets its own, it carries a `traceparent` that
 * continues the caller's trace (or starts one), so the forwarder can pass it on to the target.
 */
function toRecord(topic: string, message: RecordDto, trace: TraceContext, client?: string): RecordToProduce {
  const headers: Record<string, string> = message.headers == null ? {} : { ...message.headers };
  if (headers[TRACEPARENT] === undefined) {
    headers[TRACEPARENT] = childTraceparent(trace.traceparent);
    if (trace.tracestate !== undefined && headers[TRACESTATE] === undefined) headers[TRACESTATE] = trace.tracestate;
  }
  return {
    topic,
    partition: message.partition ?? undefined,
    key: message.key ?? null,
    // Bytes, not a string: their length is known without scanning the text again (the batcher
    // sizes each record, kafkajs sizes it again), and they live outside the JS heap while the
    // record waits for Kafka, so minor GCs do not copy them.
    value: Buffer.from(JSON.stringify(message.payload)),
    headers,
    client,
  };
}
