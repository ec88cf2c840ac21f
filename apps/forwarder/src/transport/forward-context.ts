import { BaseRpcContext } from '@nestjs/microservices';
import type { ForwardRecord } from './forward-record';

type Args = [record: ForwardRecord, signal: AbortSignal, pausePartition: () => () => void];

/** What a handler may know and do about the record's partition besides its payload. */
export class ForwardContext extends BaseRpcContext<Args> {
  get record(): ForwardRecord {
    return this.args[0];
  }

  /** Aborts when the partition is revoked or the forwarder gives up waiting at shutdown. */
  get signal(): AbortSignal {
    return this.args[1];
  }

  /** Stops fetching the partition; call the returned function to resume. */
  pausePartition(): () => void {
    return this.args[2]();
  }
}
