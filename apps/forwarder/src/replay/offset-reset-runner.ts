import { Injectable } from '@nestjs/common';
import { runKafkaTool } from '../kafka-tool';
import { OffsetReset } from './offset-reset';
import type { Position } from './position';

/** Runs `forward --reset-to`: prints one line per partition and resolves with the exit code. */
@Injectable()
export class OffsetResetRunner {
  run(topic: string, groupId: string, to: Position, brokers?: string[]): Promise<number> {
    return runKafkaTool('forwarder --reset-to', brokers, [OffsetReset], async (app) => {
      for (const line of await app.get(OffsetReset).reset(groupId, topic, to)) console.log(line);
      return 0;
    });
  }
}
