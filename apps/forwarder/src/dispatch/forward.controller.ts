import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ForwardContext } from '../transport/forward-context';
import { KAFKA_RECORD, type ForwardOutcome, type ForwardRecord } from '../transport/forward-record';
import { BatchCollector } from './batch-collector';
import { DeadLetterPublisher } from './dead-letter-publisher';

/** Handles every record the transport emits: deliver it, or dead-letter it and say so. */
@Controller()
export class ForwardController {
  constructor(
    private readonly batches: BatchCollector,
    private readonly deadLetters: DeadLetterPublisher,
  ) {}

  @EventPattern(KAFKA_RECORD)
  async forward(@Payload() record: ForwardRecord, @Ctx() context: ForwardContext): Promise<ForwardOutcome> {
    const result = await this.batches.deliver(record, context.signal);
    if (result.outcome === 'delivered') return 'delivered';
    if (result.outcome === 'aborted') return 'abandoned';
    const written = await this.deadLetters.publish(record, result, context.signal, () => context.pausePartition());
    return written ? 'dead-lettered' : 'abandoned';
  }
}
