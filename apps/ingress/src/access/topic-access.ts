import { Inject, Injectable } from '@nestjs/common';
import picomatch from 'picomatch';
import { ApiError } from '../common/api-error';
import { INGRESS_CONFIG, type IngressConfig } from '../config/ingress.config';

/** INGRESS_ALLOWED_TOPICS: topic names or globs; any other topic is refused with 403. */
@Injectable()
export class TopicAccess {
  private readonly allowed?: (topic: string) => boolean;

  constructor(@Inject(INGRESS_CONFIG) config: IngressConfig) {
    const patterns = config.access.allowedTopics;
    // Topic names have no path separators: `*` must match dots too (`orders.*` matches `orders.eu.v1`).
    if (patterns) this.allowed = picomatch(patterns, { dot: true, nonegate: true, noextglob: true });
  }

  assertAllowed(topic: string): void {
    if (this.allowed && !this.allowed(topic))
      throw new ApiError('TOPIC_NOT_ALLOWED', `This gateway does not accept records for topic "${topic}".`);
  }
}
