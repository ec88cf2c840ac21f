import type { ForwardRecord } from '../transport/forward-record';
import { isJson } from './json-syntax';

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

function valueJson(value: Buffer | null): string {
  if (value === null) return 'null';
  const text = value.toString('utf8');
  // A scan, not JSON.parse: a JSON value is sent as written, and parsing it would build it for nothing.
  return isJson(value) ? text : JSON.stringify({ raw_message: text });
}
