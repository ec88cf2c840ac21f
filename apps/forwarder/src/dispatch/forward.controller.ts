import { Controller, Optional } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { ForwardContext } from '../transport/forward-context';
import { KAFKA_RECORD, type ForwardOutcome, type ForwardRecord } from '../transport/forward-record';
import { BatchCollector } from './batch-collector';
import { DeadLetterPublisher } from './dead-letter-publisher';
import { RecordDecoder } from './record-decoder';
import { RecordFilter } from './record-filter';

/**
 * Handles every record the transport emits: decode it (--schema-registry-url), skip it (--filter),
 * deliver it, or dead-letter it and say so. A request-response handler (@MessagePattern), not an
 * event: the transport commits by its answer.
 */
@Controller()
export class ForwardController {
  constructor(
    private readonly batches: BatchCollector,
    private readonly deadLetters: DeadLetterPublisher,
    @Optional() private readonly filter?: RecordFilter,
    /** Only with --schema-registry-url. */
    @Optional() private readonly decoder?: RecordDecoder,
  ) {}

  @MessagePattern(KAFKA_RECORD)
  async forward(@Payload() record: ForwardRecord, @Ctx() context: ForwardContext): Promise<ForwardOutcome> {
    let delivered = record;
    if (this.decoder) {
      const decoded = await this.decoder.decode(record, context.signal, () => context.pausePartition());
      if (decoded.outcome === 'aborted') return 'abandoned';
      if (decoded.outcome === 'undecodable') {
        const failure = { outcome: 'undecodable', attempts: 0, error: decoded.error } as const;
        const written = await this.deadLetters.publish(record, failure, context.signal, () => context.pausePartition());
        return written ? 'dead-lettered' : 'abandoned';
      }
      delivered = decoded.record;
    }
    // The filter and the target see the decoded value; a dead letter keeps the record as it was written.
    if (this.filter && !this.filter.accepts(delivered)) return 'filtered';
    const result = await this.batches.deliver(delivered, context.signal);
    if (result.outcome === 'delivered') return 'delivered';
    if (result.outcome === 'aborted') return 'abandoned';
    const written = await this.deadLetters.publish(record, result, context.signal, () => context.pausePartition());
    return written ? 'dead-lettered' : 'abandoned';
  }
}
