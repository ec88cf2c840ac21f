import { Controller, Delete, Get, HttpCode, HttpStatus, Post, Query, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiResponse,
  ApiSecurity,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors, BODY_ERRORS, ErrorResponseDto, REQUEST_ERRORS } from '../common/api-errors.decorator';
import { ERROR_CODES, type ErrorCode } from '../common/error-codes';
import { setTimeout as sleep } from 'node:timers/promises';
import { SimulatorQueryDto } from './simulator-query.dto';
import { WebhookSimulator, type SimulatorStats } from './webhook-simulator.service';

/** 400s are documented once with both bodies; the other body errors keep their own status. */
const ERROR_STATUS_NOT_400 = (code: ErrorCode) => ERROR_CODES[code].status !== 400;

const MESSAGES = {
  200: 'Webhook processed successfully',
  400: 'Simulated client error: the webhook rejected the payload',
  500: 'Simulated server error',
  503: 'Simulated outage: service unavailable',
} as const;

class SimulatedSuccessDto {
  @ApiProperty({ enum: ['processed'] })
  status!: 'processed';
  @ApiProperty({ example: MESSAGES[200] })
  message!: string;
  @ApiProperty({ type: 'integer', minimum: 0, example: 812 })
  processing_time_ms!: number;
  @ApiProperty({ format: 'date-time' })
  received_at!: string;
}

class SimulatedFailureDto {
  @ApiProperty({ enum: ['error'] })
  status!: 'error';
  @ApiProperty({ example: MESSAGES[500] })
  message!: string;
}

class SimulatorStatsDto {
  @ApiProperty({ type: 'integer', minimum: 0 })
  received!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { '200': 88, '400': 5, '500': 5, '503': 2 },
  })
  by_status!: Record<string, number>;
  @ApiProperty({ format: 'date-time' })
  since!: string;
}

const SIMULATED = (description: string) => ({ description, schema: { $ref: getSchemaPath(SimulatedFailureDto) } });

/** A test target for the forwarder: POST anything JSON, get a realistic answer late. */
@ApiTags('webhook-simulator')
@ApiSecurity('bearer')
@ApiSecurity('api-key')
@ApiExtraModels(SimulatedFailureDto, ErrorResponseDto)
@Controller('webhook-simulator')
export class WebhookSimulatorController {
  constructor(private readonly simulator: WebhookSimulator) {}

  @Post()
  @ApiOperation({
    summary: 'A test target',
    description:
      'Waits 50-2000 ms, then answers 500 (5%), 400 (5%), 503 (2%) or 200, unless the query overrides it. Accepts any JSON body.',
  })
  @ApiBody({
    required: true,
    description: 'Any JSON value (what the forwarder delivers); it is read and dropped.',
    schema: {},
  })
  @ApiOkResponse({ type: SimulatedSuccessDto })
  @ApiResponse({
    status: 400,
    description: 'A simulated rejection, or a body or query that is not valid.',
    schema: { oneOf: [{ $ref: getSchemaPath(SimulatedFailureDto) }, { $ref: getSchemaPath(ErrorResponseDto) }] },
  })
  @ApiResponse({ status: 500, ...SIMULATED('A simulated server error (or, with an ErrorResponse body, a real one).') })
  @ApiResponse({
    status: 503,
    ...SIMULATED('A simulated outage, with Retry-After: 1.'),
    headers: { 'Retry-After': { schema: { type: 'integer' } } },
  })
  @ApiErrors(
    ...REQUEST_ERRORS.filter((code) => ERROR_STATUS_NOT_400(code) && code !== 'INTERNAL_ERROR'),
    ...BODY_ERRORS.filter((code) => ERROR_STATUS_NOT_400(code)),
  )
  async receive(@Query() query: SimulatorQueryDto, @Res({ passthrough: true }) response: Response) {
    const receivedAt = new Date();
    const { status, delayMs } = this.simulator.decide(query);
    await sleep(delayMs);
    this.simulator.record(status);
    response.status(status);
    if (status === 503) response.setHeader('Retry-After', '1');
    if (status !== 200) return { status: 'error', message: MESSAGES[status] };
    return {
      status: 'processed',
      message: MESSAGES[200],
      processing_time_ms: Date.now() - receivedAt.getTime(),
      received_at: receivedAt.toISOString(),
    };
  }

  /** Requests answered so far, by status. */
  @Get('stats')
  @ApiOperation({ summary: 'Requests answered so far, by status' })
  @ApiOkResponse({ type: SimulatorStatsDto })
  @ApiErrors(...REQUEST_ERRORS)
  stats(): SimulatorStats {
    return this.simulator.stats();
  }

  @Delete('stats')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Reset the counts' })
  @ApiNoContentResponse({ description: 'Reset.' })
  @ApiErrors(...REQUEST_ERRORS)
  reset(): void {
    this.simulator.reset();
  }
}
