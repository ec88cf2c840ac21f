import type { ErrorDetail } from '../common/api-error';

/** A topic's payload contract: what a payload must be, and how a conforming one is written. */
export interface Contract {
  /** Where it came from, for logs: a file path or `<subject> (id N)`. */
  readonly source: string;
  /** The registry's id, written in the record and answered as `schemaId`; none for file contracts. */
  readonly schemaId?: number;
  /** Every violation, each naming its field (`payload.items[2].sku`); undefined when it conforms. */
  violations(payload: unknown): ErrorDetail[] | undefined;
  /** The record value of a conforming payload. */
  encode(payload: unknown): Buffer;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `payload.items[2].sku` from the segments of a path into the payload, in the style of the other details. */
export function payloadField(segments: readonly (string | number)[]): string {
  let field = 'payload';
  for (const segment of segments) {
    if (typeof segment === 'number' || /^\d+$/.test(segment)) field += `[${segment}]`;
    else field += IDENTIFIER.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
  }
  return field;
}
