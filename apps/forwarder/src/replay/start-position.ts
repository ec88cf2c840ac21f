import { sleep } from '@app/common';
import { KafkaAdmin, UnknownTopicError } from '@app/kafka';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { describePosition, type Position } from './position';
import { retryTransient } from './retry-transient';

export interface StartPositionOptions {
  topic: string;
  groupId: string;
  /** --from; undefined or earliest leaves the consumer's own reset (the first record) in charge. */
  from?: Position;
}

export const START_POSITION_OPTIONS = Symbol('START_POSITION_OPTIONS');

const CONNECT_POLL_MS = 250;

/**
 * Applies `forward --from` before the consumer joins its group: partitions the group has never
 * committed get a committed offset at the asked position (Kafka's offsets-by-timestamp lookup),
 * partitions with a commit keep it. One log line per partition says which.
 */
@Injectable()
export class StartPosition {
  private readonly log = new Logger('Forwarder');

  constructor(
    private readonly admin: KafkaAdmin,
    @Inject(START_POSITION_OPTIONS) private readonly options: StartPositionOptions,
  ) {}

  /** Resolves once applied (or when there is nothing to apply, or the signal aborts); rejects with a Kafka error. */
  async apply(signal: AbortSignal): Promise<void> {
    const { from } = this.options;
    if (!from || from.kind === 'earliest') return;
    while (!this.admin.isConnected) {
      if (signal.aborted) return;
      await sleep(CONNECT_POLL_MS, signal);
    }
    let warned = false;
    await retryTransient(() => this.applyOnce(from), {
      attempts: Infinity,
      signal,
      onRetry: (error) => {
        if (!warned) this.log.warn(`Cannot apply --from yet (${error.message}); retrying`);
        warned = true;
      },
    });
  }

  private async applyOnce(from: Position): Promise<void> {
    const { topic, groupId } = this.options;
    const known = await this.admin.partitions(topic, 10_000).then(
      () => true,
      (error: Error) => (error instanceof UnknownTopicError ? false : Promise.reject(error)),
    );
    if (!known) {
      this.log.log(
        `--from ${describePosition(from)}: topic "${topic}" does not exist yet, so every record it gets is new`,
      );
      return;
    }
    const committed = await this.admin.committedOffsets(groupId, topic);
    const target = await this.admin.offsetsAt(topic, from.kind === 'time' ? from.at : from.kind);
    const missing = new Map([...target].filter(([partition]) => !committed.has(partition)));
    if (missing.size > 0) {
      const group = await this.admin.groupState(groupId);
      if (group.members > 0) {
        this.log.warn(
          `--from not applied: group "${groupId}" already has ${group.members} running member(s), which decide where uncommitted partitions start`,
        );
        return;
      }
      await this.admin.setCommittedOffsets(groupId, topic, missing);
    }
    for (const partition of [...target.keys()].sort((a, b) => a - b)) {
      const offset = missing.get(partition);
      this.log.log(
        offset === undefined
          ? `${topic}[${partition}]: group "${groupId}" resumes at its committed offset ${committed.get(partition)} (--from applies only to partitions without one)`
          : `${topic}[${partition}]: no committed offset; starting at offset ${offset}, ${describePosition(from)} (--from)`,
      );
    }
  }
}
