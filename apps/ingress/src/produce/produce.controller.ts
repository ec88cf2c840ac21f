import { applyDecorators, Body, Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedClient } from '../access/authenticated-client';
import { RequestClient } from '../access/request-client.decorator';
import { ApiErrors, BODY_ERRORS, REQUEST_ERRORS } from '../common/api-errors.decorator';
import type { ErrorCode } from '../common/error-codes';
import type { Response } from 'express';
import { ProduceBatchRequestDto } from './dto/produce-batch-request.dto';
import { ProduceRequestDto } from './dto/produce-request.dto';
import { ProduceBatchResponse, ProduceResponse } from './dto/produce-response.dto';
import { ProduceService, type TraceContext } from './produce.service';
import { TraceHeaders } from './trace-headers.decorator';

const KAFKA_ERRORS: ErrorCode[] = [
  'TOPIC_NOT_FOUND',
  'PARTITION_NOT_FOUND',
  'TOPIC_NOT_ALLOWED',
  'TOPIC_FORBIDDEN',
  'RECORD_TOO_LARGE',
  'RECORD_REJECTED',
  'KAFKA_UNAVAILABLE',
  'KAFKA_TIMEOUT',
  'OVERLOADED',
];
const CONTRACT_ERRORS: ErrorCode[] = ['SCHEMA_VALIDATION_FAILED', 'SCHEMA_REGISTRY_UNAVAILABLE'];
const IDEMPOTENCY_ERRORS: ErrorCode[] = ['IDEMPOTENCY_KEY_IN_USE', 'IDEMPOTENCY_KEY_REUSED'];

const TRACEPARENT_HEADER = {
  name: 'traceparent',
  required: false,
  description: 'W3C trace context; continued in the record headers (a new trace is started when absent).',
};
const TRACESTATE_HEADER = {
  name: 'tracestate',
  required: false,
  description: 'W3C trace state, copied to the record headers with traceparent.',
};
const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: false,
  description:
    'A repeat with the same key and body within INGRESS_IDEMPOTENCY_TTL_MS (10 min) answers the first result without writing again. Per instance, in memory.',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[!-~]{1,255}$' },
};

/** The request headers both produce routes read. */
const ApiProduceHeaders = () =>
  applyDecorators(ApiHeader(IDEMPOTENCY_HEADER), ApiHeader(TRACEPARENT_HEADER), ApiHeader(TRACESTATE_HEADER));
const PRODUCE_ERRORS = [...REQUEST_ERRORS, ...BODY_ERRORS, ...KAFKA_ERRORS, ...IDEMPOTENCY_ERRORS, ...CONTRACT_ERRORS];

@ApiTags('produce')
@ApiSecurity('bearer')
@ApiSecurity('api-key')
@Controller('produce')
export class ProduceController {
  constructor(private readonly produceService: ProduceService) {}

  /** Writes one record; answers once all in-sync replicas have it. */
  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Write one record',
    description: 'Answers 200 only after every in-sync replica has the record (acks=all, idempotent producer).',
  })
  @ApiProduceHeaders()
  @ApiOkResponse({ type: ProduceResponse, description: 'Written: the partition and offset where the record is.' })
  @ApiErrors(...PRODUCE_ERRORS)
  produce(
    @Body() request: ProduceRequestDto,
    @TraceHeaders() trace: TraceContext,
    @RequestClient() client?: AuthenticatedClient,
  ): Promise<ProduceResponse> {
    return this.produceService.produce(request, trace, client);
  }

  /** Writes up to INGRESS_MAX_BATCH_MESSAGES records to one topic; 207 when only some succeed. */
  @Post('batch')
  @ApiOperation({
    summary: 'Write records to one topic',
    description:
      '200 when every message was written; 207 with a result per message when only some were; the shared error when all failed alike.',
  })
  @ApiProduceHeaders()
  @ApiBody({ type: ProduceBatchRequestDto })
  @ApiResponse({ status: 200, type: ProduceBatchResponse, description: 'Every message was written; results in order.' })
  @ApiResponse({
    status: 207,
    type: ProduceBatchResponse,
    description: 'Some messages were written and some not; each result says which.',
  })
  @ApiErrors(...PRODUCE_ERRORS)
  async produceBatch(
    @Body() request: ProduceBatchRequestDto,
    @Res({ passthrough: true }) response: Response,
    @TraceHeaders() trace: TraceContext,
    @RequestClient() client?: AuthenticatedClient,
  ): Promise<ProduceBatchResponse> {
    const outcome = await this.produceService.produceBatch(request, trace, client);
    response.status(outcome.status);
    return outcome.body;
  }
}
