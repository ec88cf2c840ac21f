import { Option, type Command } from 'commander';
import type { ForwardFlags } from './forward-options-resolver';

/**
 * One option of `forward`: its flags, its line in --help, its environment variable, its parser
 * (which throws commander's InvalidArgumentError), and the key of ForwardFlags it sets. The
 * command declares its options as tables of these, one per concern (forward-delivery-options.ts,
 * forward-receiver-options.ts, forward-run-options.ts), rather than as nest-commander @Option
 * methods: forty-five such methods make one class of 500 lines, and splitting that class into a
 * chain of base classes put each option's place in an inheritance order no reader looks for.
 */
export interface ForwardOption<K extends keyof ForwardFlags = keyof ForwardFlags> {
  key: K;
  /** commander's flags, e.g. `--retry-delay <duration>`. */
  flags: string;
  description: string;
  env?: string;
  required?: true;
  /** The flag's or variable's text to its value; `previous` is the value so far (a repeated flag). */
  parse(value: string, previous: ForwardFlags[K] | undefined): ForwardFlags[K];
}

/** A table entry whose parser is checked against the type of the key it sets. */
export function option<K extends keyof ForwardFlags>(entry: ForwardOption<K>): ForwardOption {
  return entry;
}

/**
 * Adds the options to the command as commander Options, in order (the order of --help), as
 * nest-commander adds @Option methods: mandatory when required, read from their variable when
 * the flag is not given, parsed by their parser.
 */
export function addForwardOptions(command: Command, options: readonly ForwardOption[]): void {
  for (const entry of options) {
    const added = new Option(entry.flags, entry.description)
      .makeOptionMandatory(entry.required === true)
      .argParser((value: string, previous: ForwardFlags[typeof entry.key]) => entry.parse(value, previous));
    if (entry.env !== undefined) added.env(entry.env);
    command.addOption(added);
  }
}

/**
 * What commander parsed, by ForwardFlags key: only the options given as flags or found in the
 * environment. Where two options set one key (`--brokers`, `--broker`), the first in the table wins.
 */
export function forwardFlagsOf(command: Command, options: readonly ForwardOption[]): ForwardFlags {
  const flags: Record<string, unknown> = {};
  for (const entry of options) {
    const value: unknown = command.getOptionValue(new Option(entry.flags).attributeName());
    if (value !== undefined) flags[entry.key] ??= value;
  }
  return flags;
}
