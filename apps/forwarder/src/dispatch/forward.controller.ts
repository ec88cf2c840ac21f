import { Controller, Optional } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ForwardContext } from '../transport/forward-context';
import { KAFKA_RECORD, type ForwardOutcome, type ForwardRecord } from '../transport/forward-record';
import { BatchCollector } from './batch-collector';
import { DeadLetterPublisher } from './dead-letter-publisher';
import { RecordFilter } from './record-filter';

/** Handles every record the transport emits: skip it (--filter), deliver it, or dead-letter it and say so. */
@Controller()
export class ForwardController {
  constructor(
    private readonly batches: BatchCollector,
    private readonly deadLetters: DeadLetterPublisher,
    @Optional() private readonly filter?: RecordFilter,
  ) {}

  @EventPattern(KAFKA_RECORD)
  async forward(@Payload() record: ForwardRecord, @Ctx() context: ForwardContext): Promise<ForwardOutcome> {
    if (this.filter && !this.filter.accepts(record)) return 'filtered';
    const result = await this.batches.deliver(record, context.signal);
    if (result.outcome === 'delivered') return 'delivered';
    if (result.outcome === 'aborted') return 'abandoned';
    const written = await this.deadLetters.publish(record, result, context.signal, () => context.pausePartition());
    return written ? 'dead-lettered' : 'abandoned';
  }
}
