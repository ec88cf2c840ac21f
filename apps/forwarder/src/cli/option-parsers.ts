import { formatDuration, HOST_PORT, parseDuration } from '@app/config';
import { isTopicName } from '@app/kafka';
import { InvalidArgumentError } from 'commander';
import { parsePosition, type Position } from '../replay/position';

// Parsers for the forward command's flags (and their environment variables). Each throws
// commander's InvalidArgumentError, which becomes one line naming the flag or variable.

export function integer(min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`It must be an integer from ${min} to ${max}.`);
    }
    return value;
  };
}

export function nonNegativeNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0)
    throw new InvalidArgumentError('It must be a number of at least 0.');
  return value;
}

export function duration(minMs: number, maxMs: number) {
  return (text: string): number => {
    const ms = parseDuration(text);
    if (ms === undefined || ms < minMs || ms > maxMs) {
      throw new InvalidArgumentError(
        `It must be a duration such as 500ms, 10s or 1m (a bare number means seconds), from ${formatDuration(minMs)} to ${formatDuration(maxMs)}.`,
      );
    }
    return ms;
  };
}

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, kib: 1024, mib: 1024 ** 2, kb: 1000, mb: 1000 ** 2 };

/** A size in bytes: `1048576`, `512KiB`, `1MiB` (or kB, MB). */
export function byteSize(min: number, max: number) {
  return (text: string): number => {
    const match = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(text);
    const unit = match ? BYTE_UNITS[match[2].toLowerCase()] : undefined;
    const bytes = match && unit ? Number(match[1]) * unit : NaN;
    if (!Number.isSafeInteger(bytes) || bytes < min || bytes > max)
      throw new InvalidArgumentError(`It must be a size such as 65536, 512KiB or 1MiB, from ${min} to ${max} bytes.`);
    return bytes;
  };
}

export function oneOf<T extends string>(values: readonly T[]) {
  return (text: string): T => {
    const value = text.trim().toLowerCase() as T;
    if (!values.includes(value)) throw new InvalidArgumentError(`Allowed choices are ${values.join(', ')}.`);
    return value;
  };
}

export function httpUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new InvalidArgumentError('It must be an absolute http:// or https:// URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidArgumentError('It must be an absolute http:// or https:// URL.');
  return url.toString();
}

export function topicName(text: string): string {
  if (!isTopicName(text)) {
    throw new InvalidArgumentError('It must be a Kafka topic name: 1-249 letters, digits, ".", "_" or "-".');
  }
  return text;
}

export function groupId(text: string): string {
  if (text.trim() === '') throw new InvalidArgumentError('It must not be empty.');
  return text;
}

export function brokerList(text: string): string[] {
  const brokers = text
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (brokers.length === 0 || brokers.some((b) => !HOST_PORT.test(b))) {
    throw new InvalidArgumentError('It must be a comma-separated list of host:port.');
  }
  return brokers;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `Name: value`; repeatable on the command line, newline-separated in FORWARDER_HEADERS. */
export function header(text: string, previous: Record<string, string> = {}): Record<string, string> {
  const headers = { ...previous };
  for (const line of text.split(/\r?\n/).filter((l) => l.trim() !== '')) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    const value = colon > 0 ? line.slice(colon + 1).trim() : '';
    // eslint-disable-next-line no-control-regex -- finding control characters in a header value is the point
    if (!HEADER_NAME.test(name) || /[\u0000-\u001f\u007f]/.test(value))
      throw new InvalidArgumentError(`"${line}" must look like 'Name: value'.`);
    headers[name] = value;
  }
  return headers;
}

/** A switch given alone or with a value: anything but false, 0, no or off turns it on. */
export function isOn(value?: string): boolean {
  return value === undefined || value === '' || !/^(false|0|no|off)$/i.test(value);
}

/** --from and --reset-to: earliest, latest, an ISO time or a duration ago. */
export function position(value: string): Position {
  try {
    return parsePosition(value, Date.now());
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}
