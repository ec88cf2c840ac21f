import type { ForwardRecord } from '../transport/forward-record';

/**
 * How recent the target's last success for another lane may be, before a record's first failure,
 * for the failure to be likely the record's own: enough for the records fetched with it (a poison
 * record last in a topic), short enough that a quiet topic's next record is not judged by it.
 */
export const RECENT_SUCCESS_MS = 2_000;
/** Lanes remembered as refused (oldest forgotten first), so memory stays bounded whatever the keys. */
const MAX_REFUSED_LANES = 10_000;

/** What the target's answers to other lanes say about a lane's failure. */
export type Blame =
  /** A request to another lane, sent after this lane began failing, succeeded: the lane is refused. */
  | 'proven'
  /** Another lane succeeded just before this lane began failing (a refused record last in a topic). */
  | 'likely'
  /** Nothing says the target works for others: an outage as far as anyone can tell. */
  | 'none';

/**
 * Tells a poison record from an outage by the target's successes for OTHER lanes (keys; a keyless
 * record is a lane of its own). During an outage nothing sent after it began succeeds; while one
 * key is refused and the rest accepted, requests for other keys keep succeeding after its first
 * failure, which proves the failure is the record's own. The dispatcher then charges the record's
 * retries and keeps its failures out of the circuit, so a poison record can neither open the
 * circuit nor be mistaken for a probe's verdict. A success just before the lane's first failure
 * (RECENT_SUCCESS_MS) makes it likely, not proven: the record is charged, but its failures still
 * count towards the circuit, so the start of a real outage is never blamed on the records it hits.
 *
 * A lane whose record used up its retries is remembered as refused since its first failure: its
 * next record is judged by the same evidence, so a run of refused records of one key, last in the
 * topic, is dead-lettered one after another instead of waiting for traffic that never comes.
 */
export class TargetEvidence {
  /** The latest success: its record, when its request went out, when it came back. No object per answer. */
  private latest?: ForwardRecord;
  private latestSentAt = 0;
  private latestAt = 0;
  /** The latest success for a lane other than the latest one's. */
  private other?: ForwardRecord;
  private otherSentAt = 0;
  private otherAt = 0;
  private readonly refusedSince = new Map<string, number>();

  /** The target answered a request sent at `sentAt` with a success (2xx, or a final 4xx: it works). */
  succeeded(record: ForwardRecord, sentAt: number, at: number): void {
    if (this.latest !== undefined && !sameLane(this.latest, record)) {
      this.other = this.latest;
      this.otherSentAt = this.latestSentAt;
      this.otherAt = this.latestAt;
    }
    this.latest = record;
    this.latestSentAt = sentAt;
    this.latestAt = at;
    if (this.refusedSince.size > 0) this.refusedSince.delete(laneOf(record));
  }

  /** What the successes for other lanes say about `record`'s lane, failing since `streakStart`. */
  blame(record: ForwardRecord, streakStart: number): Blame {
    const sameAsLatest = this.latest !== undefined && sameLane(this.latest, record);
    const known = sameAsLatest ? this.other !== undefined : this.latest !== undefined;
    if (!known) return 'none';
    if ((sameAsLatest ? this.otherSentAt : this.latestSentAt) > streakStart) return 'proven';
    return (sameAsLatest ? this.otherAt : this.latestAt) >= streakStart - RECENT_SUCCESS_MS ? 'likely' : 'none';
  }

  /** Since when the record's lane has been refused, if a record of it used up its retries. */
  refusedSinceFor(record: ForwardRecord): number | undefined {
    return this.refusedSince.size === 0 ? undefined : this.refusedSince.get(laneOf(record));
  }

  /** A record of the lane used up its retries while the target worked for others. */
  refused(record: ForwardRecord, since: number): void {
    const lane = laneOf(record);
    this.refusedSince.delete(lane);
    this.refusedSince.set(lane, since);
    if (this.refusedSince.size > MAX_REFUSED_LANES) {
      this.refusedSince.delete(this.refusedSince.keys().next().value!);
    }
  }
}

/** The record's key within its partition, or the record itself when it has no key. */
export function laneOf(record: ForwardRecord): string {
  return record.key === null
    ? `${record.partition}@${record.offset}`
    : `${record.partition}\u0000${record.key.toString('latin1')}`;
}

function sameLane(a: ForwardRecord, b: ForwardRecord): boolean {
  if (a.partition !== b.partition || a.topic !== b.topic) return false;
  if (a.key === null || b.key === null) return a.key === b.key && a.offset === b.offset;
  return a.key.equals(b.key);
}
