import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A record as an independent client (kcat, librdkafka) reads it back from the broker. */
export interface ReadRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  timestamp: number;
}

interface KcatJson {
  topic: string;
  partition: number;
  offset: number;
  ts: number;
  key: string | null;
  payload: string | null;
  headers?: string[];
}

function parse(line: string): ReadRecord {
  const raw = JSON.parse(line) as KcatJson;
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < (raw.headers ?? []).length; i += 2) headers[raw.headers![i]] = raw.headers![i + 1];
  return {
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    key: raw.key,
    value: raw.payload,
    headers,
    timestamp: raw.ts,
  };
}

async function kcat(brokers: string, args: string[]): Promise<ReadRecord[]> {
  const { stdout } = await run('kcat', ['-b', brokers, '-C', '-J', '-e', '-q', ...args], {
    maxBuffer: 512 * 1024 * 1024,
    timeout: 60_000,
  });
  return stdout
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map(parse);
}

/** The record at exactly this partition and offset, or undefined when there is none. */
export async function readAt(
  brokers: string,
  topic: string,
  partition: number,
  offset: number,
): Promise<ReadRecord | undefined> {
  const [record] = await kcat(brokers, ['-t', topic, '-p', String(partition), '-o', String(offset), '-c', '1']);
  return record?.offset === offset ? record : undefined;
}

/** Every record in the topic, from the beginning to the current end. */
export async function readAll(brokers: string, topic: string): Promise<ReadRecord[]> {
  return kcat(brokers, ['-t', topic, '-o', 'beginning']);
}

/** Indexes records by `partition/offset` for checking many acknowledgements at once. */
export function byPosition(records: ReadRecord[]): Map<string, ReadRecord> {
  return new Map(records.map((r) => [`${r.partition}/${r.offset}`, r]));
}
