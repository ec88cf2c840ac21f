import { KafkaAdmin } from '@app/kafka';
import { Injectable } from '@nestjs/common';
import { describePosition, type Position } from './position';
import { retryTransient } from './retry-transient';

/** A --reset-to that Kafka would not allow, or that makes no sense; exit 1 with this line. */
export class OffsetResetRefused extends Error {
  override readonly name = 'OffsetResetRefused';
}

/**
 * `forward --reset-to <time> --group <g>`: moves the group's committed offsets on the topic to
 * the first record at or after the time (offsets-by-timestamp), while nothing runs in the group.
 * Returns one line per partition: where it was, where it is now.
 */
@Injectable()
export class OffsetReset {
  constructor(private readonly admin: KafkaAdmin) {}

  reset(groupId: string, topic: string, to: Position): Promise<string[]> {
    return retryTransient(() => this.resetOnce(groupId, topic, to), { attempts: 6 });
  }

  private async resetOnce(groupId: string, topic: string, to: Position): Promise<string[]> {
    await this.admin.partitions(topic, 10_000);
    const group = await this.admin.groupState(groupId);
    if (group.members > 0 || !['Empty', 'Dead'].includes(group.state)) {
      throw new OffsetResetRefused(
        `refused: group "${groupId}" has ${group.members} running member(s) (state ${group.state}); stop its forwarders, then reset.`,
      );
    }
    const before = await this.admin.committedOffsets(groupId, topic);
    const after = await this.admin.offsetsAt(topic, to.kind === 'time' ? to.at : to.kind);
    await this.admin.setCommittedOffsets(groupId, topic, after);
    return [...after]
      .sort(([a], [b]) => a - b)
      .map(
        ([partition, offset]) =>
          `${topic}[${partition}]: group "${groupId}" moved from ${before.get(partition) ?? 'no committed offset'} to ${offset}, ${describePosition(to)}`,
      );
  }
}
