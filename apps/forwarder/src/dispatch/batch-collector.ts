import { Inject, Injectable } from '@nestjs/common';
import type { ForwardRecord } from '../transport/forward-record';
import { envelopePartsOf, type EnvelopeParts } from './envelope';
import { RetryingDispatcher, type DispatchResult } from './retrying-dispatcher';

/** --batch-max, --batch-max-bytes and --batch-linger. */
export interface BatchOptions {
  max: number;
  maxBytes: number;
  lingerMs: number;
}

export const BATCH_OPTIONS = Symbol('BATCH_OPTIONS');

interface Entry {
  record: ForwardRecord;
  envelope: EnvelopeParts;
  resolve: (result: DispatchResult) => void;
  reject: (error: unknown) => void;
}

/** Records of one partition waiting to be sent together. */
interface OpenBatch {
  partition: number;
  entries: Entry[];
  /** The body's size so far: the envelopes, the commas and the brackets. */
  bytes: number;
  signal: AbortSignal;
  timer?: NodeJS.Timeout;
}

/**
 * Gathers the records handed to it into batches, one partition at a time, and delivers each batch
 * as one request. A batch goes when it holds --batch-max records, when the next record would take
 * its body past --batch-max-bytes, or --batch-linger after its first record. Per-key order needs
 * nothing more: the transport hands over a key's next record only once this one's outcome is
 * known, so a batch holds at most one record of each key. A batch that fails for good (a final
 * 4xx, or retries used up while other requests succeed) is split in halves, each delivered again,
 * until the records the target refuses are alone: only those are dead-lettered.
 */
@Injectable()
export class BatchCollector {
  private readonly open = new Map<number, OpenBatch>();

  constructor(
    private readonly dispatcher: RetryingDispatcher,
    @Inject(BATCH_OPTIONS) private readonly options: BatchOptions,
  ) {}

  /** Resolves with the outcome of the request that carried the record in the end. */
  deliver(record: ForwardRecord, signal: AbortSignal): Promise<DispatchResult> {
    if (this.options.max === 1) return this.dispatcher.deliver(record, signal);
    return new Promise((resolve, reject) => {
      const envelope = envelopePartsOf(record);
      let batch = this.open.get(record.partition);
      if (batch && (batch.signal !== signal || batch.bytes + 1 + envelope.bytes > this.options.maxBytes)) {
        this.flush(batch);
        batch = undefined;
      }
      if (!batch) {
        batch = { partition: record.partition, entries: [], bytes: 1, signal };
        this.open.set(record.partition, batch);
        const lingering = batch;
        batch.timer = setTimeout(() => this.flush(lingering), this.options.lingerMs);
      }
      batch.entries.push({ record, envelope, resolve, reject });
      batch.bytes += envelope.bytes + 1;
      if (batch.entries.length >= this.options.max) this.flush(batch);
    });
  }

  private flush(batch: OpenBatch): void {
    if (this.open.get(batch.partition) === batch) this.open.delete(batch.partition);
    clearTimeout(batch.timer);
    // In offset order, as the partition holds them (the transport may hand them over in another,
    // though it mostly keeps it: a pass to check costs less than the sort of BigInt offsets).
    if (!inOffsetOrder(batch.entries))
      batch.entries.sort((a, b) =>
        a.record.offset < b.record.offset ? -1 : a.record.offset > b.record.offset ? 1 : 0,
      );
    // A bug, not a delivery outcome: each record's handler fails, and the transport tries it again.
    this.send(batch.entries, batch.signal).catch((error: unknown) => {
      for (const entry of batch.entries) entry.reject(error);
    });
  }

  private async send(entries: Entry[], signal: AbortSignal): Promise<void> {
    const result = await this.dispatcher.deliverBatch(
      entries.map((e) => e.record),
      entries.map((e) => e.envelope),
      signal,
    );
    const failed = result.outcome === 'rejected' || result.outcome === 'exhausted';
    if (!failed || entries.length === 1) {
      for (const entry of entries) entry.resolve(result);
      return;
    }
    const half = Math.ceil(entries.length / 2);
    await Promise.all([this.send(entries.slice(0, half), signal), this.send(entries.slice(half), signal)]);
  }
}

function inOffsetOrder(entries: readonly Entry[]): boolean {
  for (let i = 1; i < entries.length; i++) if (entries[i - 1].record.offset > entries[i].record.offset) return false;
  return true;
}
