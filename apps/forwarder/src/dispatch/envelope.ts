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
  const parts = envelopePartsOf(record);
  const body = Buffer.allocUnsafe(parts.bytes);
  write(parts, body, 0);
  return body;
}

/**
 * A record's envelope before it is written: the text around its value and the value's bytes
 * (when they are copied as they are), with the size they make. A batch keeps these and writes
 * every envelope once, into its body.
 */
export interface EnvelopeParts {
  head: string;
  /** The record's value when it is JSON in valid UTF-8: copied between head and tail. */
  value: Buffer | undefined;
  tail: string;
  bytes: number;
}

export function envelopePartsOf(record: ForwardRecord): EnvelopeParts {
  const head =
    `{"topic":${topicJson(record.topic)},"partition":${record.partition},"offset":${record.offset}` +
    `,"key":${record.key === null ? 'null' : JSON.stringify(record.key.toString('utf8'))},"value":`;
  const tail = `,"headers":${headersJson(record.headers)},"timestamp":${timestampJson(record.timestamp)}}`;
  const value = record.value;
  // A scan, not JSON.parse: a JSON value is sent as written, and parsing it would build it for nothing.
  const json = value !== null && isJson(value);
  // Invalid UTF-8 goes by way of a string, so its bytes become U+FFFD as they always have.
  if (value === null || !json || !isUtf8(value)) {
    const text = head + valueJson(value, json) + tail;
    return { head: text, value: undefined, tail: '', bytes: Buffer.byteLength(text) };
  }
  return { head, value, tail, bytes: Buffer.byteLength(head) + value.length + Buffer.byteLength(tail) };
}

/** A batch's body: `[envelope,envelope,...]`, each envelope's bytes written once, in place. */
export function arrayOf(envelopes: readonly EnvelopeParts[]): Buffer {
  let bytes = 1 + envelopes.length;
  for (const parts of envelopes) bytes += parts.bytes;
  const body = Buffer.allocUnsafe(Math.max(bytes, 2));
  body[0] = OPEN_BRACKET;
  let at = 1;
  for (let i = 0; i < envelopes.length; i++) {
    if (i > 0) body[at++] = COMMA;
    at = write(envelopes[i], body, at);
  }
  body[at] = CLOSE_BRACKET;
  return body;
}

function write(parts: EnvelopeParts, body: Buffer, at: number): number {
  at += body.write(parts.head, at);
  if (parts.value === undefined) return at;
  at += parts.value.copy(body, at);
  return at + body.write(parts.tail, at);
}

const OPEN_BRACKET = 0x5b;
const COMMA = 0x2c;
const CLOSE_BRACKET = 0x5d;

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
