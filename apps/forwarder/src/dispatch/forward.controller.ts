import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { ForwardContext } from '../transport/forward-context';
import { KAFKA_RECORD, type ForwardOutcome, type ForwardRecord } from '../transport/forward-record';
import { DeadLetterPublisher } from './dead-letter-publisher';
import { RetryingDispatcher } from './retrying-dispatcher';

/**
 * Handles every record the transport emits: deliver it, or dead-letter it and say so. A
 * request-response handler (@MessagePattern), not an event: the transport commits by its answer.
 */
@Controller()
export class ForwardController {
  constructor(
    private readonly dispatcher: RetryingDispatcher,
    private readonly deadLetters: DeadLetterPublisher,
  ) {}

  @MessagePattern(KAFKA_RECORD)
  async forward(@Payload() record: ForwardRecord, @Ctx() context: ForwardContext): Promise<ForwardOutcome> {
    const result = await this.dispatcher.deliver(record, context.signal);
    if (result.outcome === 'delivered') return 'delivered';
    if (result.outcome === 'aborted') return 'abandoned';
    const written = await this.deadLetters.publish(record, result, context.signal, () => context.pausePartition());
    return written ? 'dead-lettered' : 'abandoned';
  }
}
