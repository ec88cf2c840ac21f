import type { RedriveOptions } from './redrive-options';

export const REDRIVE_COUNT_HEADER = 'redrive-count';
const DLQ_HEADER_PREFIX = 'dlq-';

export type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

/** A dead letter as read from the topic. */
export interface DeadLetter {
  partition: number;
  offset: bigint;
  /** When it was dead-lettered: the record's Kafka timestamp, ms since the epoch. */
  timestamp: number;
  headers: Record<string, HeaderValue>;
}

export type Decision =
  | { action: 'redrive'; reason: string; destination: string; redriveCount: number }
  /** Counted, committed past, left where it is. */
  | { action: 'skip'; why: 'not-selected' | 'max-redrives' | 'no-destination' }
  /** Written after --until: this partition stops here, uncommitted, for a later run. */
  | { action: 'stop' };

export function headerText(value: HeaderValue): string | undefined {
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  if (last === undefined) return undefined;
  return Buffer.isBuffer(last) ? last.toString('utf8') : last;
}

/** What `redrive` does with one dead letter, given its options. */
export function decide(
  record: DeadLetter,
  options: Pick<RedriveOptions, 'to' | 'reasons' | 'since' | 'until' | 'maxRedrives'>,
): Decision {
  if (options.until !== undefined && record.timestamp > options.until) return { action: 'stop' };
  const reason = headerText(record.headers['dlq-reason']) ?? 'unknown';
  if (options.since !== undefined && record.timestamp < options.since) return { action: 'skip', why: 'not-selected' };
  if (options.reasons && !(options.reasons as string[]).includes(reason))
    return { action: 'skip', why: 'not-selected' };
  const count = Number(headerText(record.headers[REDRIVE_COUNT_HEADER]) ?? '0');
  const redriveCount = Number.isSafeInteger(count) && count > 0 ? count : 0;
  if (redriveCount >= options.maxRedrives) return { action: 'skip', why: 'max-redrives' };
  const destination = options.to ?? headerText(record.headers['dlq-original-topic']);
  if (!destination) return { action: 'skip', why: 'no-destination' };
  return { action: 'redrive', reason, destination, redriveCount };
}

/** The headers a redriven record carries: the original ones, no dlq-*, redrive-count incremented. */
export function redrivenHeaders(
  headers: Record<string, HeaderValue>,
  redriveCount: number,
): Record<string, string | Buffer> {
  const out: Record<string, string | Buffer> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.toLowerCase().startsWith(DLQ_HEADER_PREFIX) || name === REDRIVE_COUNT_HEADER)
      continue;
    out[name] = Array.isArray(value) ? value[value.length - 1] : value;
  }
  out[REDRIVE_COUNT_HEADER] = String(redriveCount + 1);
  return out;
}

class OffsetRanges {
  count = 0;
  private readonly ranges = new Map<number, { first: bigint; last: bigint }>();

  add(partition: number, offset: bigint): void {
    this.count++;
    const range = this.ranges.get(partition);
    if (!range) this.ranges.set(partition, { first: offset, last: offset });
    else {
      if (offset < range.first) range.first = offset;
      if (offset > range.last) range.last = offset;
    }
  }

  toString(): string {
    return [...this.ranges]
      .sort(([a], [b]) => a - b)
      .map(([p, { first, last }]) => `partition ${p} offset${first === last ? ` ${first}` : `s ${first}-${last}`}`)
      .join(', ');
  }
}

/** What a redrive run did (or, dry, would do): counts by reason and destination, with offsets. */
export class RedriveSummary {
  read = 0;
  private readonly redriven = new Map<string, OffsetRanges>();
  private readonly skipped = {
    'not-selected': new OffsetRanges(),
    'max-redrives': new OffsetRanges(),
    'no-destination': new OffsetRanges(),
  };
  private readonly stoppedAtUntil = new Set<number>();

  constructor(private readonly options: Pick<RedriveOptions, 'topic' | 'group' | 'dryRun' | 'maxRedrives'>) {}

  get redrivenCount(): number {
    let total = 0;
    for (const ranges of this.redriven.values()) total += ranges.count;
    return total;
  }

  count(record: DeadLetter, decision: Decision): void {
    if (decision.action === 'stop') {
      this.stoppedAtUntil.add(record.partition);
      return;
    }
    this.read++;
    if (decision.action === 'skip') return this.skipped[decision.why].add(record.partition, record.offset);
    const key = `${decision.reason} -> ${decision.destination}`;
    const ranges = this.redriven.get(key) ?? new OffsetRanges();
    this.redriven.set(key, ranges);
    ranges.add(record.partition, record.offset);
  }

  lines(): string[] {
    const { topic, group, dryRun, maxRedrives } = this.options;
    const lines = [
      dryRun
        ? `Dry run: would redrive ${this.redrivenCount} of ${this.read} dead letters read from ${topic} (group ${group}); nothing was sent or committed.`
        : `Redrove ${this.redrivenCount} of ${this.read} dead letters read from ${topic} (group ${group}).`,
    ];
    for (const [key, ranges] of [...this.redriven].sort(([a], [b]) => a.localeCompare(b)))
      lines.push(`  ${ranges.count} ${key}: ${ranges.toString()}`);
    const { 'max-redrives': held, 'not-selected': notSelected, 'no-destination': nowhere } = this.skipped;
    if (held.count > 0)
      lines.push(
        `  ${held.count} left in ${topic}: redrive-count reached --max-redrives ${maxRedrives}: ${held.toString()}`,
      );
    if (notSelected.count > 0)
      lines.push(`  ${notSelected.count} not selected by --reason/--since, skipped: ${notSelected.toString()}`);
    if (nowhere.count > 0)
      lines.push(`  ${nowhere.count} without a dlq-original-topic header (give --to), skipped: ${nowhere.toString()}`);
    if (this.stoppedAtUntil.size > 0)
      lines.push(
        `  stopped at --until in partition${this.stoppedAtUntil.size === 1 ? '' : 's'} ${[...this.stoppedAtUntil].sort((a, b) => a - b).join(', ')}; later dead letters are left for a later run`,
      );
    return lines;
  }
}
