import { randomFillSync } from 'node:crypto';

/** W3C Trace Context: https://www.w3.org/TR/trace-context/ */
export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';

const FORMAT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export interface TraceParent {
  traceId: string;
  parentId: string;
  flags: string;
}

/** A valid traceparent, or undefined (absent, malformed, version ff, all-zero ids). */
export function parseTraceparent(value: string | undefined): TraceParent | undefined {
  const match = value === undefined ? null : FORMAT.exec(value.trim().toLowerCase());
  if (!match) return undefined;
  const [, version, traceId, parentId, flags, rest] = match;
  if (version === 'ff' || traceId === ZERO_TRACE || parentId === ZERO_SPAN) return undefined;
  // Version 00 has exactly four fields; later versions may add more.
  if (version === '00' && rest !== undefined) return undefined;
  return { traceId, parentId, flags };
}

// Ids come from a pool of random bytes refilled 8 KiB at a time: one getrandom call per few
// hundred ids instead of two per record on the produce path.
const pool = Buffer.alloc(8 * 1024);
let poolOffset = pool.length;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/**
 * The traceparent for the next hop: the same trace with a new span id when `parent` is valid,
 * else a new, sampled trace.
 */
export function childTraceparent(parent: string | undefined): string {
  const context = parseTraceparent(parent);
  const spanId = randomHex(8);
  if (context) return `00-${context.traceId}-${spanId}-${context.flags}`;
  return `00-${randomHex(16)}-${spanId}-01`;
}
