import { Environment } from '@marcbachmann/cel-js';
import type { ForwardRecord } from './transport/forward-record';

// The --filter language: what the command checks when it parses the flag and RecordFilter runs.
/**
 * The variables a `--filter` CEL expression reads. `key` is a string or null, `value` the record's
 * JSON (null when it is not JSON), `headers` a map of strings; partition and offset are CEL ints.
 */
const FILTER_VARIABLES = {
  key: 'dyn',
  headers: 'map<string, string>',
  value: 'dyn',
  topic: 'string',
  partition: 'int',
  offset: 'int',
  timestamp: 'google.protobuf.Timestamp',
} as const;

/** A --filter that does not compile; `column` (1-based) is where the problem is, when known. */
export class FilterSyntaxError extends Error {
  constructor(
    message: string,
    readonly column?: number,
  ) {
    super(message);
  }
}

/** Whether a record matches; throws when the expression fails on it (a missing field, a wrong type). */
export type RecordPredicate = (record: ForwardRecord) => boolean;

/**
 * Compiles a --filter expression once, at boot: parsed and type-checked against the record's
 * variables, so a typo or an expression that cannot be true or false stops the forwarder before it
 * reads a record.
 */
export function compileFilter(expression: string): RecordPredicate {
  const env = new Environment({ enableOptionalTypes: true });
  for (const [name, type] of Object.entries(FILTER_VARIABLES)) env.registerVariable(name, type);
  const checked = env.check(expression);
  if (!checked.valid) {
    const error = checked.error;
    const at = error?.node?.pos ?? error?.range?.start;
    const reason = (error as { summary?: string } | undefined)?.summary ?? error?.message.split('\n')[0] ?? 'invalid';
    throw new FilterSyntaxError(reason, at === undefined ? undefined : at + 1);
  }
  if (checked.type !== 'bool' && checked.type !== 'dyn')
    throw new FilterSyntaxError(`the expression is a ${checked.type}, not a bool`);
  const evaluate = env.parse(expression);
  return (record) => {
    const result: unknown = evaluate(new FilterInput(record));
    if (typeof result !== 'boolean') throw new Error(`the expression gave ${typeof result}, not a bool`);
    return result;
  };
}

/**
 * One record as the expression sees it. Fields are built when the expression first reads them:
 * an expression that decides on a header never parses the value, and none is built twice.
 */
class FilterInput {
  private parsedValue?: unknown;
  private valueParsed = false;

  constructor(private readonly record: ForwardRecord) {}

  get key(): string | null {
    return this.record.key === null ? null : this.record.key.toString('utf8');
  }

  get headers(): Record<string, string> {
    const headers: Record<string, string> = {};
    const given = this.record.headers;
    for (const name in given) {
      const value = given[name];
      if (value !== undefined) headers[name] = Buffer.isBuffer(value) ? value.toString('utf8') : value;
    }
    return headers;
  }

  get value(): unknown {
    if (!this.valueParsed) {
      this.valueParsed = true;
      this.parsedValue = parseJson(this.record.value);
    }
    return this.parsedValue;
  }

  get topic(): string {
    return this.record.topic;
  }

  get partition(): bigint {
    return BigInt(this.record.partition);
  }

  get offset(): bigint {
    return this.record.offset;
  }

  get timestamp(): Date {
    return new Date(this.record.timestamp);
  }
}

/** The value's JSON, or null when it has none (absent, not UTF-8 JSON). */
function parseJson(value: Buffer | null): unknown {
  if (value === null) return null;
  try {
    // JSON.parse, unlike the envelope's scan: the expression reads into the value.
    return JSON.parse(value.toString('utf8')) as unknown;
  } catch {
    return null;
  }
}
