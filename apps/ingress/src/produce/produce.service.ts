import { KafkaAdmin, KafkaProducer, UnknownTopicError, type ProducedRecord, type RecordToProduce } from '@app/kafka';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { childTraceparent, TRACEPARENT, TRACESTATE } from '@app/observability';
import type { AuthenticatedClient } from '../access/authenticated-client';
import { TopicAccess } from '../access/topic-access';
import { ApiError, type ErrorDetail } from '../common/api-error';
import { toApiError } from '../common/to-api-error';
import { INGRESS_CONFIG, type IngressConfig } from '../config/ingress.config';
import type { Contract } from '../contracts/contract';
import { PayloadContracts } from '../contracts/payload-contracts';
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
    private readonly contracts: PayloadContracts,
  ) {}

  async produce(
    request: ProduceRequestDto,
    trace: TraceContext = {},
    client?: AuthenticatedClient,
  ): Promise<ProduceResponse> {
    this.topics.assertAllowed(request.topic, client);
    // Awaited only while a registry contract is fetched for the first time.
    const contract = this.contracts.forTopic(request.topic);
    if (contract instanceof Promise) return contract.then((found) => this.produceOne(request, trace, found, client));
    return this.produceOne(request, trace, contract, client);
  }

  private async produceOne(
    request: ProduceRequestDto,
    trace: TraceContext,
    contract: Contract | undefined,
    client: AuthenticatedClient | undefined,
  ): Promise<ProduceResponse> {
    const violations = contract?.violations(request.payload);
    if (violations) throw nonConforming(request.topic, violations);
    const written = await this.write(toRecord(request.topic, request, trace, contract, client?.metricLabel));
    const { topic, partition, offset, timestamp } = written;
    // `message` is the Go gateway's sentence, word for word: its clients log and parse it.
    const response: ProduceResponse = {
      success: true,
      message: `Message delivered to topic ${topic}, partition ${partition}, offset ${offset}`,
      topic,
      partition,
      offset,
      timestamp,
    };
    if (contract?.schemaId !== undefined) response.schemaId = contract.schemaId;
    return response;
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
    const contract = await this.contracts.forTopic(request.topic);
    const violations = request.messages.map((message) => contract?.violations(message.payload));
    if (violations.every((found) => found !== undefined)) throw nonConformingBatch(request.topic, violations);
    // The conforming messages are written; the others answer SCHEMA_VALIDATION_FAILED in their result.
    const settled = await Promise.allSettled(
      request.messages.map((message, i) => {
        const found = violations[i];
        if (found) return Promise.reject(nonConforming(request.topic, found));
        return this.write(toRecord(request.topic, message, trace, contract, client?.metricLabel));
      }),
    );
    const errors = settled.map((s) => (s.status === 'rejected' ? toApiError(s.reason, this.logBug) : undefined));
    const failures = errors.filter((error) => error !== undefined);
    if (failures.length === settled.length && failures.every((f) => f.code === failures[0].code)) throw failures[0];
    const schemaId = contract?.schemaId;
    const results: BatchItemResult[] = settled.map((s, i) => {
      if (s.status === 'fulfilled') {
        const { partition, offset, timestamp } = s.value;
        return schemaId === undefined
          ? { success: true, partition, offset, timestamp }
          : { success: true, partition, offset, timestamp, schemaId };
      }
      const error = errors[i]!;
      return error.details
        ? { success: false, error: error.message, code: error.code, details: error.details }
        : { success: false, error: error.message, code: error.code };
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
function toRecord(
  topic: string,
  message: RecordDto,
  trace: TraceContext,
  contract: Contract | undefined,
  client: string | undefined,
): RecordToProduce {
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
    value: contract ? contract.encode(message.payload) : Buffer.from(JSON.stringify(message.payload)),
    headers,
    client,
  };
}

function nonConforming(topic: string, violations: ErrorDetail[]): ApiError {
  const more = violations.length > 1 ? ` (and ${violations.length - 1} more, see details)` : '';
  return new ApiError(
    'SCHEMA_VALIDATION_FAILED',
    `The payload does not conform to the contract of topic "${topic}": ${violations[0].message}${more}.`,
    violations,
  );
}

/** Every message of a batch failed its contract: one 422 listing them all (`messages[2].payload.sku`). */
function nonConformingBatch(topic: string, violations: (ErrorDetail[] | undefined)[]): ApiError {
  const details = violations.flatMap((found, i) =>
    (found ?? []).map(({ field, message }) => ({
      field: `messages[${i}].${field}`,
      message: `messages[${i}].${message}`,
    })),
  );
  return new ApiError(
    'SCHEMA_VALIDATION_FAILED',
    `No message conforms to the contract of topic "${topic}": ${details[0].message}${details.length > 1 ? ` (and ${details.length - 1} more, see details)` : ''}.`,
    details,
  );
}
