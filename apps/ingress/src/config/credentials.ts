import { ConfigError } from '@app/config';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import picomatch from 'picomatch';
import { parse } from 'yaml';
import { API_KEY, TOPIC_GLOB } from './ingress-environment';

/** One credential, as configured: never the key itself, only its SHA-256. */
export interface CredentialSpec {
  /** Named credentials (from INGRESS_CREDENTIALS_FILE) only: in logs, errors and metrics. */
  name?: string;
  /** Hex SHA-256 of the key. */
  sha256: string;
  /** Topic globs; undefined: every topic INGRESS_ALLOWED_TOPICS permits. */
  topics?: string[];
  /** This credential's own limit, in requests a second. */
  rateLimitRps?: number;
}

/** Where credentials come from: read at boot, and again when a file changes. */
export interface CredentialSources {
  /** INGRESS_API_KEYS. */
  apiKeys: string[];
  /** INGRESS_API_KEYS_FILE. */
  apiKeysFile?: string;
  /** INGRESS_CREDENTIALS_FILE. */
  credentialsFile?: string;
}

/** A credential name: a Prometheus label value and a log field, so short and plain (no `:`). */
export const CREDENTIAL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const FIELDS = new Set(['name', 'key', 'sha256', 'topics', 'rateLimitRps']);

export const sha256Hex = (key: string) => createHash('sha256').update(key).digest('hex');

/** Every credential the sources hold; throws a one-line ConfigError naming the variable and the entry. */
export function loadCredentials(sources: CredentialSources): CredentialSpec[] {
  const anonymous = [...sources.apiKeys, ...(sources.apiKeysFile ? keysFromFile(sources.apiKeysFile) : [])];
  const named = sources.credentialsFile ? credentialsFromFile(sources.credentialsFile) : [];
  const seen = new Map<string, string>();
  for (const credential of named) {
    const other = seen.get(credential.sha256);
    if (other !== undefined)
      throw fileError(`credentials "${other}" and "${credential.name}" have the same key; give each its own`);
    seen.set(credential.sha256, credential.name!);
  }
  // A key both anonymous and named acts as the named credential (the file is the more precise statement).
  const unnamed = [...new Set(anonymous.map(sha256Hex))].filter((digest) => !seen.has(digest));
  return [...named, ...unnamed.map((digest) => ({ sha256: digest }))];
}

/** One key per line; blank lines and lines starting with # are ignored. */
function keysFromFile(path: string): string[] {
  const keys = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const bad = keys.findIndex((key) => !API_KEY.test(key));
  if (bad >= 0)
    throw new ConfigError(
      `INGRESS_API_KEYS_FILE must hold one API key per line, each 16-256 printable characters without spaces or commas (key ${bad + 1} in the file is not)`,
    );
  return keys;
}

const fileError = (message: string) => new ConfigError(`INGRESS_CREDENTIALS_FILE: ${message}`);

/** `{ credentials: [...] }` in YAML or JSON (YAML 1.2 reads both), each entry checked field by field. */
function credentialsFromFile(path: string): CredentialSpec[] {
  let document: unknown;
  try {
    document = parse(readFileSync(path, 'utf8'), { uniqueKeys: true, maxAliasCount: 0 });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n', 1)[0] : String(error);
    throw fileError(`cannot read ${path} as YAML or JSON: ${reason}`);
  }
  if (!isObject(document) || Object.keys(document).some((key) => key !== 'credentials'))
    throw fileError('must be an object with one field, "credentials": a list of credentials');
  const list = document.credentials;
  if (!Array.isArray(list) || list.length === 0)
    throw fileError('"credentials" must be a non-empty list (to turn named credentials off, unset the variable)');
  const names = new Set<string>();
  return list.map((entry: unknown, index) => {
    const credential = credentialAt(entry, `credentials[${index}]`);
    if (names.has(credential.name!))
      throw fileError(`credentials[${index}]: the name "${credential.name}" is used twice`);
    names.add(credential.name!);
    return credential;
  });
}

function credentialAt(entry: unknown, at: string): CredentialSpec {
  if (!isObject(entry)) throw fileError(`${at} must be an object with name, key or sha256, topics, rateLimitRps`);
  const unknown = Object.keys(entry).find((field) => !FIELDS.has(field));
  if (unknown !== undefined)
    throw fileError(`${at} has an unknown field "${unknown}" (known: ${[...FIELDS].join(', ')})`);
  const { name, key, sha256, topics, rateLimitRps } = entry;
  if (typeof name !== 'string' || !CREDENTIAL_NAME.test(name))
    throw fileError(`${at}.name must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  const where = `${at} ("${name}")`;
  if ((key === undefined) === (sha256 === undefined)) throw fileError(`${where} needs exactly one of key and sha256`);
  if (key !== undefined && (typeof key !== 'string' || !API_KEY.test(key)))
    throw fileError(`${where}.key must be 16-256 printable characters without spaces or commas`);
  if (sha256 !== undefined && (typeof sha256 !== 'string' || !SHA256.test(sha256.toLowerCase())))
    throw fileError(`${where}.sha256 must be the 64 hex digits of the key's SHA-256`);
  if (
    rateLimitRps !== undefined &&
    (typeof rateLimitRps !== 'number' || !(rateLimitRps > 0) || rateLimitRps > 1_000_000)
  )
    throw fileError(`${where}.rateLimitRps must be a number above 0 and at most 1000000`);
  return {
    name,
    sha256: typeof key === 'string' ? sha256Hex(key) : (sha256 as string).toLowerCase(),
    topics: topics === undefined ? undefined : topicGlobs(topics, where),
    rateLimitRps,
  };
}

function topicGlobs(topics: unknown, where: string): string[] {
  if (!Array.isArray(topics) || topics.length === 0)
    throw fileError(`${where}.topics must be a non-empty list of topic names or globs (omit it for every topic)`);
  return topics.map((glob: unknown, index) => {
    if (typeof glob !== 'string' || !TOPIC_GLOB.test(glob) || !compiles(glob))
      throw fileError(
        `${where}.topics[${index}] is not a topic name or glob such as orders.* (got ${JSON.stringify(glob)})`,
      );
    return glob;
  });
}

function compiles(glob: string): boolean {
  try {
    picomatch.makeRe(glob, { ...TOPIC_GLOB_OPTIONS, strictBrackets: true });
    return true;
  } catch {
    return false;
  }
}

/** Topic names have no path separators: `*` must match dots too (`orders.*` matches `orders.eu.v1`). */
export const TOPIC_GLOB_OPTIONS = { dot: true, nonegate: true, noextglob: true } as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
