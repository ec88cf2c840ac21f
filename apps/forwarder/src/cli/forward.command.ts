import type { Command as Commander } from 'commander';
import { Command, CommandRunner } from 'nest-commander';
import { ForwarderRunner } from '../forwarder-runner';
import { OffsetResetRunner } from '../replay/offset-reset-runner';
import { exitWithCodes } from './exit-codes';
import { DELIVERY_OPTIONS } from './forward-delivery-options';
import { addForwardOptions, forwardFlagsOf } from './forward-option';
import { failUsage, resolveForwardOptions, resolveLogging } from './forward-options-resolver';
import { RECEIVER_OPTIONS } from './forward-receiver-options';
import { RUN_OPTIONS } from './forward-run-options';
import { acceptGoStyleFlags } from './go-flag-aliases';

export { DEFAULTS } from './forward-defaults';

/** Every option of `forward`, in the order of --help: see forward-option.ts for why tables. */
export const FORWARD_OPTIONS = [...DELIVERY_OPTIONS, ...RECEIVER_OPTIONS, ...RUN_OPTIONS];

/**
 * `forward --topic <topic> --target-url <url> [options]`: parses and checks the options (declared
 * in the tables of FORWARD_OPTIONS, resolved in forward-options-resolver.ts), then hands them to
 * the ForwarderRunner, or to the OffsetResetRunner for --reset-to. Every option can also come
 * from the environment variable named in --help; a flag wins over its variable.
 */
@Command({ name: 'forward', description: 'Deliver every record of a Kafka topic to an HTTP endpoint, at least once.' })
export class ForwardCommand extends CommandRunner {
  constructor(
    private readonly runner: ForwarderRunner,
    private readonly offsetReset: OffsetResetRunner,
  ) {
    super();
  }

  /**
   * The options, and what nest-commander gives no sub-command: exit codes of its own (a bad flag
   * exits 2, not 1) and the Go gateway's single-dash spellings.
   */
  override setCommand(command: Commander): this {
    // Before the options: it hooks the listener commander adds for each option's variable.
    exitWithCodes(command);
    addForwardOptions(command, FORWARD_OPTIONS);
    acceptGoStyleFlags(command);
    return super.setCommand(command);
  }

  /** nest-commander's second argument maps only @Option methods, and this command has none. */
  async run(args: string[]): Promise<void> {
    const flags = forwardFlagsOf(this.command, FORWARD_OPTIONS);
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
