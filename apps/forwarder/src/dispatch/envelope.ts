import type { ForwardRecord } from '../transport/forward-record';

/**
 * The JSON the target receives, as the Go prototype sent it:
 * `{topic, partition, offset, key, value, headers, timestamp}`. `value` is the record's JSON
 * when it is JSON (embedded as written, not re-serialised), otherwise `{"raw_message": text}`.
 */
export function envelopeOf(record: ForwardRecord): string {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.headers)) {
    if (value !== undefined) headers[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return (
    `{"topic":${JSON.stringify(record.topic)},"partition":${record.partition},"offset":${record.offset}` +
    `,"key":${record.key === null ? 'null' : JSON.stringify(record.key.toString('utf8'))}` +
    `,"value":${valueJson(record.value)},"headers":${JSON.stringify(headers)}` +
    `,"timestamp":${JSON.stringify(new Date(record.timestamp).toISOString())}}`
  );
}

/** Bytes a JSON text can start with (after whitespace): { [ " - 0-9 t f n. */
const JSON_START = new Set([0x7b, 0x5b, 0x22, 0x2d, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x74, 0x66, 0x6e]);
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

function valueJson(value: Buffer | null): string {
  if (value === null) return 'null';
  const text = value.toString('utf8');
  // Most non-JSON values fail on their first byte; skipping JSON.parse spares a thrown exception.
  let i = 0;
  while (i < value.length && WHITESPACE.has(value[i])) i++;
  if (i < value.length && JSON_START.has(value[i])) {
    try {
      JSON.parse(text);
      return text;
    } catch {
      // not JSON after all
    }
  }
  return JSON.stringify({ raw_message: text });
}
