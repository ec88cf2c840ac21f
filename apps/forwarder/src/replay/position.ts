import { parseDuration } from '@app/config';

/** Where in a topic to start: its first record, its end, or the first record at or after a time. */
export type Position = { kind: 'earliest' } | { kind: 'latest' } | { kind: 'time'; at: number };

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;
const AGO = /^(.+?)\s*ago$/i;

/**
 * `earliest`, `latest`, an ISO 8601 time (`2026-11-30T14:00:00Z`; without a zone, local time) or
 * a duration ago (`90m`, `2h ago`). Throws a one-line error; times in the future are refused.
 */
export function parsePosition(text: string, now: number): Position {
  const value = text.trim();
  if (/^earliest$/i.test(value)) return { kind: 'earliest' };
  if (/^latest$/i.test(value)) return { kind: 'latest' };
  if (ISO_TIME.test(value)) {
    const at = Date.parse(value.replace(' ', 'T'));
    if (!Number.isFinite(at)) throw new Error('It is not a valid date and time.');
    if (at > now) throw new Error('It is in the future.');
    return { kind: 'time', at };
  }
  const ms = parseDuration(AGO.exec(value)?.[1] ?? value);
  if (ms !== undefined) return { kind: 'time', at: now - ms };
  throw new Error(
    'It must be earliest, latest, an ISO 8601 time such as 2026-11-30T14:00:00Z, or a duration ago such as 90m.',
  );
}

export function describePosition(position: Position): string {
  if (position.kind === 'time') return `the first record at or after ${new Date(position.at).toISOString()}`;
  return position.kind === 'earliest' ? 'the first record' : 'the end';
}
