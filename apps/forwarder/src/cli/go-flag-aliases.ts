import type { Command, Option } from 'commander';

export const GO_FLAGS_HELP =
  '\nGo-style single-dash spellings of these options are accepted too, as the Go gateway took them:\n  -broker 127.0.0.1:9092 -topic orders -target-url=https://example.com/hook -timeout 30 -help';

/**
 * Lets `command` accept the Go gateway's command lines: Go's flag package writes long names with
 * one dash (`-target-url x`, `-rate=10`, `-help`). Each such word becomes `--name` when `--name`
 * is an option of the command, read at parse time so options added later count too. Anything
 * else (single-letter flags, unknown names, option values) reaches commander unchanged.
 */
export function acceptGoStyleFlags(command: Command): void {
  const parseOptions = command.parseOptions.bind(command);
  command.parseOptions = (argv) => parseOptions(goStyleToLong(argv, command.options));
  command.addHelpText('after', GO_FLAGS_HELP);
}

/** `-name` / `-name=value` -> `--name` / `--name=value` for the long options given (and help). */
export function goStyleToLong(argv: readonly string[], options: readonly Option[]): string[] {
  const byFlag = new Map<string, Option | undefined>([['--help', undefined]]);
  for (const option of options) {
    if (option.long) byFlag.set(option.long, option);
    if (option.short) byFlag.set(option.short, option);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const [name, ...value] = word.split('=');
    const long = /^-[^-].+$/.test(name) && byFlag.has(`-${name}`) ? `-${name}` : undefined;
    out.push(long === undefined ? word : [long, ...value].join('='));
    // The next word is this option's value, never a flag of its own (commander reads it the same way).
    const option = byFlag.get(long ?? name);
    const next = argv[i + 1];
    if (
      option &&
      value.length === 0 &&
      next !== undefined &&
      (option.required || (option.optional && !next.startsWith('-')))
    )
      out.push(argv[++i]);
  }
  return out;
}
