import { isUtf8 } from 'node:buffer';
import type { ForwardRecord } from '../transport/forward-record';
import { isJson } from './json-syntax';

/**
 * The JSON the target receives, as the Go prototype sent it:
 * `{topic, partition, offset, key, value, headers, timestamp}`. `value` is the record's JSON
 * when it is JSON (embedded as written, not re-serialised), otherwise `{"raw_message": text}`.
 * These are the UTF-8 bytes of that text, built as bytes: a JSON value in valid UTF-8 is copied
 * into them without being decoded to a string and encoded again.
 */
export function envelopeOf(record: ForwardRecord): Buffer {
  const head =
    `{"topic":${topicJson(record.topic)},"partition":${record.partition},"offset":${record.offset}` +
    `,"key":${record.key === null ? 'null' : JSON.stringify(record.key.toString('utf8'))},"value":`;
  const tail = `,"headers":${headersJson(record.headers)},"timestamp":${timestampJson(record.timestamp)}}`;
  const value = record.value;
  // A scan, not JSON.parse: a JSON value is sent as written, and parsing it would build it for nothing.
  const json = value !== null && isJson(value);
  // Invalid UTF-8 goes by way of a string, so its bytes become U+FFFD as they always have.
  if (value === null || !json || !isUtf8(value)) return Buffer.from(head + valueJson(value, json) + tail);
  const body = Buffer.allocUnsafe(Buffer.byteLength(head) + value.length + Buffer.byteLength(tail));
  let at = body.write(head);
  at += value.copy(body, at);
  body.write(tail, at);
  return body;
}

/** A batch's body: `[envelope,envelope,...]` from envelopes already built, their bytes copied once. */
export function arrayOf(envelopes: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [OPEN_BRACKET];
  for (let i = 0; i < envelopes.length; i++) {
    if (i > 0) parts.push(COMMA);
    parts.push(envelopes[i]);
  }
  parts.push(CLOSE_BRACKET);
  return Buffer.concat(parts);
}

const OPEN_BRACKET = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE_BRACKET = Buffer.from(']');

function valueJson(value: Buffer | null, json: boolean): string {
  if (value === null) return 'null';
  const text = value.toString('utf8');
  return json ? text : JSON.stringify({ raw_message: text });
}

function headersJson(headers: ForwardRecord['headers']): string {
  let json: Record<string, string> | undefined;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    json ??= {};
    json[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return json === undefined ? '{}' : JSON.stringify(json);
}

// A forwarder reads one topic, and records of a fetch share their millisecond more often than
// not: the last of each is kept rather than serialised again.
let lastTopic = '';
let lastTopicJson = '""';
let lastTimestamp = NaN;
let lastTimestampJson = '';

function topicJson(topic: string): string {
  if (topic !== lastTopic) {
    lastTopicJson = JSON.stringify(topic);
    lastTopic = topic;
  }
  return lastTopicJson;
}

function timestampJson(timestamp: number): string {
  if (timestamp !== lastTimestamp) {
    lastTimestampJson = `"${new Date(timestamp).toISOString()}"`;
    lastTimestamp = timestamp;
  }
  return lastTimestampJson;
}
