import { Inject, Injectable } from '@nestjs/common';
import picomatch from 'picomatch';
import { ApiError } from '../common/api-error';
import { TOPIC_GLOB_OPTIONS } from '../config/credentials';
import { INGRESS_CONFIG, type IngressConfig } from '../config/ingress.config';
import type { AuthenticatedClient } from './authenticated-client';

/**
 * INGRESS_ALLOWED_TOPICS (names or globs) for everyone, then the client's own scopes (its
 * credential's topics, its token's produce:<glob> scopes): any other topic is refused with 403.
 */
@Injectable()
export class TopicAccess {
  private readonly allowed?: (topic: string) => boolean;

  constructor(@Inject(INGRESS_CONFIG) config: IngressConfig) {
    const patterns = config.access.allowedTopics;
    if (patterns) this.allowed = picomatch(patterns, TOPIC_GLOB_OPTIONS);
  }

  assertAllowed(topic: string, client?: AuthenticatedClient): void {
    if (this.allowed && !this.allowed(topic))
      throw new ApiError('TOPIC_NOT_ALLOWED', `This gateway does not accept records for topic "${topic}".`);
    if (client?.mayWrite && !client.mayWrite(topic))
      throw new ApiError('TOPIC_NOT_ALLOWED', `The ${client.described} may not write to topic "${topic}".`);
  }
}
