import { InvalidArgumentError } from 'commander';
import { Option } from 'nest-commander';
import { compileFilter, FilterSyntaxError } from '../dispatch/record-filter';
import { ForwardRunOptions } from './forward-run-options';

/**
 * The forward command's options that shape deliveries for the receiver: which records it gets
 * (--filter), and how the forwarder authenticates to it (OAuth2 client credentials, a client
 * certificate). Each also reads the environment variable named in `env`.
 */
export abstract class ForwardReceiverOptions extends ForwardRunOptions {
  @Option({
    flags: '--filter <cel>',
    description:
      'CEL expression over key, headers, value (the JSON), topic, partition, offset, timestamp: records it does not match are committed, not delivered (default: none, all delivered)',
    env: 'FORWARDER_FILTER',
  })
  parseFilter(value: string) {
    try {
      compileFilter(value);
    } catch (error) {
      if (!(error instanceof FilterSyntaxError)) throw error;
      const at = error.column === undefined ? '' : ` at column ${error.column}`;
      throw new InvalidArgumentError(`It is not a valid CEL filter${at}: ${error.message}`);
    }
    return value;
  }
}
