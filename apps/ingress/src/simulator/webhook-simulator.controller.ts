import { Controller, Delete, Get, HttpCode, HttpStatus, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import { SimulatorQueryDto } from './simulator-query.dto';
import { WebhookSimulator, type SimulatorStats } from './webhook-simulator.service';

const MESSAGES = {
  200: 'Webhook processed successfully',
  400: 'Simulated client error: the webhook rejected the payload',
  500: 'Simulated server error',
  503: 'Simulated outage: service unavailable',
} as const;

/** A test target for the forwarder: POST anything JSON, get a realistic answer late. */
@Controller('webhook-simulator')
export class WebhookSimulatorController {
  constructor(private readonly simulator: WebhookSimulator) {}

  @Post()
  async receive(@Query() query: SimulatorQueryDto, @Res({ passthrough: true }) response: Response) {
    const receivedAt = new Date();
    const { status, delayMs } = this.simulator.decide(query);
    await sleep(delayMs);
    this.simulator.record(status);
    response.status(status);
    if (status === 503) response.setHeader('Retry-After', '1');
    if (status !== 200) return { status: 'error', message: MESSAGES[status] };
    return { status: 'processed', message: MESSAGES[200], processing_time_ms: Date.now() - receivedAt.getTime(), received_at: receivedAt.toISOString() };
  }

  /** Requests answered so far, by status. */
  @Get('stats')
  stats(): SimulatorStats {
    return this.simulator.stats();
  }

  @Delete('stats')
  @HttpCode(HttpStatus.NO_CONTENT)
  reset(): void {
    this.simulator.reset();
  }
}
