import { childTraceparent, TRACEPARENT, TRACESTATE } from '@app/observability';
import type { ForwardRecord } from '../transport/forward-record';
import type { Clock } from './clock';
import type { WebhookSigner } from './webhook-signer';

/** Where records go and what every request carries. */
export interface DeliveryTarget {
  url: string;
  timeoutMs: number;
  /** Static headers (`--header`), sent with every request. */
  headers: Record<string, string>;
  userAgent: string;
  /** Adds `webhook-signature` to every attempt when signing secrets are given. */
  signer?: WebhookSigner;
}

export const DELIVERY_TARGET = Symbol('DELIVERY_TARGET');

const PER_RECORD_HEADERS = new Set(['Idempotency-Key', 'webhook-id', 'webhook-timestamp', TRACEPARENT]);

/**
 * The headers of one attempt: the static ones (content type, user agent, every `--header`) built
 * once, then the request's id as `Idempotency-Key` and `webhook-id`, its timestamp and signature,
 * and the trace the (first) record was written in.
 */
export class RequestHeaders {
  /** What every request carries, built once: name, value, name, value... */
  private readonly fixed: string[];
  private second = -1;
  private secondText = '';

  constructor(
    private readonly target: DeliveryTarget,
    private readonly clock: Clock,
  ) {
    const fixed = { 'Content-Type': 'application/json', 'User-Agent': target.userAgent, ...target.headers };
    // The per-record headers win over a --header of the same name, as they always have.
    this.fixed = Object.entries(fixed)
      .filter(([name]) => !PER_RECORD_HEADERS.has(name))
      .flat();
  }

  for(id: string, record: ForwardRecord, body: Buffer): Record<string, string> {
    const headers: Record<string, string> = {
      'Idempotency-Key': id,
      'webhook-id': id,
      'webhook-timestamp': this.timestamp(),
      // The trace the record was written in continues to the target (or a new one starts).
      traceparent: childTraceparent(headerText(record.headers[TRACEPARENT])),
    };
    for (let i = 0; i < this.fixed.length; i += 2) headers[this.fixed[i]] = this.fixed[i + 1];
    // Signed per attempt, with this attempt's timestamp, so a late retry is not refused as stale.
    if (this.target.signer)
      headers['webhook-signature'] = this.target.signer.sign(id, headers['webhook-timestamp'], body);
    const tracestate = headerText(record.headers[TRACESTATE]);
    if (tracestate !== undefined) headers.tracestate = tracestate;
    return headers;
  }

  /** Unix seconds as text, made once a second rather than once a request. */
  private timestamp(): string {
    const second = Math.floor(this.clock.now() / 1000);
    if (second !== this.second) {
      this.second = second;
      this.secondText = String(second);
    }
    return this.secondText;
  }
}

function headerText(value: Buffer | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Buffer.isBuffer(value) ? value.toString('utf8') : value;
}
