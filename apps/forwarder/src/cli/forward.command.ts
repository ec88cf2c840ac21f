import type { Command as Commander } from 'commander';
import { Command } from 'nest-commander';
import { ForwarderRunner } from '../forwarder-runner';
import { OffsetResetRunner } from '../replay/offset-reset-runner';
import { exitWithCodes } from './exit-codes';
import { ForwardDeliveryOptions } from './forward-delivery-options';
import { failUsage, resolveForwardOptions, resolveLogging, type ForwardFlags } from './forward-options-resolver';
import { acceptGoStyleFlags } from './go-flag-aliases';

export { DEFAULTS } from './forward-defaults';

/**
 * `forward --topic <topic> --target-url <url> [options]`: parses and checks the options (declared
 * in forward-delivery-options.ts and forward-run-options.ts, resolved in forward-options-resolver.ts),
 * then hands them to the ForwarderRunner, or to the OffsetResetRunner for --reset-to. Every option
 * can also come from the environment variable named in --help; a flag wins over its variable.
 */
@Command({ name: 'forward', description: 'Deliver every record of a Kafka topic to an HTTP endpoint, at least once.' })
export class ForwardCommand extends ForwardDeliveryOptions {
  constructor(
    private readonly runner: ForwarderRunner,
    private readonly offsetReset: OffsetResetRunner,
  ) {
    super();
  }

  /** nest-commander gives sub-commands no exit override of their own; bad flags must exit 2, not 1. */
  override setCommand(command: Commander): this {
    exitWithCodes(command);
    acceptGoStyleFlags(command);
    return super.setCommand(command);
  }

  async run(args: string[], flags: ForwardFlags): Promise<void> {
    // commander 11 lets stray words through (`--timeout 5 parsecs`); a typo must not start a forwarder.
    if (args.length > 0)
      failUsage(
        this.command,
        `unexpected argument '${args[0]}': forward takes options only (quote a value that has spaces)`,
      );
    if (flags.resetTo) {
      if (this.command.getOptionValueSource('group') === undefined)
        failUsage(
          this.command,
          '--reset-to needs --group: name the group whose offsets move (the default group is not assumed).',
        );
      if (flags.from)
        failUsage(
          this.command,
          '--reset-to and --from do not go together: --reset-to moves offsets and exits, --from decides where a new group starts.',
        );
      process.exitCode = await this.offsetReset.run(flags.topic!, flags.group!, flags.resetTo, flags.brokers);
      return;
    }
    // The environment commander read the options' variables from: the resolver reads no other.
    const options = resolveForwardOptions(flags, this.command, process.env);
    process.exitCode = await this.runner.run(options, resolveLogging(flags));
  }
}
