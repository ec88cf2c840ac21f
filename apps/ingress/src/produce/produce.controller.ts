import { Body, Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ProduceBatchRequestDto } from './dto/produce-batch-request.dto';
import { ProduceRequestDto } from './dto/produce-request.dto';
import type { ProduceBatchResponse, ProduceResponse } from './dto/produce-response.dto';
import { ProduceService } from './produce.service';

@Controller('produce')
export class ProduceController {
  constructor(private readonly produceService: ProduceService) {}

  /** Writes one record; answers once all in-sync replicas have it. */
  @Post()
  @HttpCode(HttpStatus.OK)
  produce(@Body() request: ProduceRequestDto): Promise<ProduceResponse> {
    return this.produceService.produce(request);
  }

  /** Writes up to INGRESS_MAX_BATCH_MESSAGES records to one topic; 207 when only some succeed. */
  @Post('batch')
  async produceBatch(@Body() request: ProduceBatchRequestDto, @Res({ passthrough: true }) response: Response): Promise<ProduceBatchResponse> {
    const outcome = await this.produceService.produceBatch(request);
    response.status(outcome.status);
    return outcome.body;
  }
}
