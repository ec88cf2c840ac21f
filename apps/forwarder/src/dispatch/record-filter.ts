import { METRIC_PREFIX, scrapedCounter } from '@app/observability';
import { Logger } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type { RecordPredicate } from '../filter-expression';
import type { ForwardRecord } from '../transport/forward-record';
import type { Clock } from './clock';

/** Evaluation errors are logged at most this often; the metric counts every one. */
const ERROR_LOG_INTERVAL_MS = 60_000;

/**
 * The --filter gate before delivery: a record that does not match is done without a request (its
 * offset is committed) and counted; one the expression fails on counts as no match, counted apart
 * and logged at most once a minute with the failures since the last line.
 */
export class RecordFilter {
  /** Records that did not match, evaluation errors included. */
  filtered = 0;
  errors = 0;
  private readonly log = new Logger('Filter');
  private lastLoggedAt = -Infinity;
  private unlogged = 0;

  constructor(
    private readonly matches: RecordPredicate,
    private readonly clock: Clock,
    registry: Registry,
  ) {
    const registers = [registry];
    scrapedCounter(
      {
        name: `${METRIC_PREFIX}forwarder_filtered_total`,
        help: 'Records --filter did not match (evaluation errors included): committed, not delivered.',
        registers,
      },
      () => [[undefined, this.filtered]],
    );
    scrapedCounter(
      {
        name: `${METRIC_PREFIX}forwarder_filter_errors_total`,
        help: 'Records --filter failed on (a missing field, a wrong type): counted as no match.',
        registers,
      },
      () => [[undefined, this.errors]],
    );
  }

  /** Whether the record is to be delivered. */
  accepts(record: ForwardRecord): boolean {
    let matched: boolean;
    try {
      matched = this.matches(record);
    } catch (error) {
      this.failed(record, error);
      matched = false;
    }
    if (!matched) this.filtered++;
    return matched;
  }

  private failed(record: ForwardRecord, error: unknown): void {
    this.errors++;
    this.unlogged++;
    const now = this.clock.now();
    if (now - this.lastLoggedAt < ERROR_LOG_INTERVAL_MS) return;
    this.lastLoggedAt = now;
    const others = this.unlogged - 1;
    this.unlogged = 0;
    const reason = (error as { summary?: string }).summary ?? String((error as Error)?.message).split('\n')[0];
    this.log.warn(
      `--filter failed on ${record.topic}-${record.partition}-${record.offset} (${reason}): not delivered` +
        (others > 0 ? `; ${others} more since the last report` : ''),
    );
  }
}
