import type { Command, CommanderError } from 'commander';

/** Where commander was reading an option from when it failed. */
export type OptionSource = 'cli' | 'env';

/**
 * Exit codes of the forwarder: 0 done (help, or a clean stop), 1 a failure at run time or a bad
 * environment variable, 2 a bad command line. commander has already printed its one line.
 */
export function exitCodeFor(error: CommanderError, source: OptionSource = 'cli'): number {
  if (error.exitCode === 0) return 0;
  // The command's own checks (code forwarder.*) chose their exit code, e.g. 1 for a bad signing secret from the environment.
  if (error.code.startsWith('forwarder.')) return error.exitCode;
  return source === 'env' && error.code === 'commander.invalidArgument' ? 1 : 2;
}

/**
 * Makes `command` exit with exitCodeFor. commander reports a bad flag and a bad environment
 * variable with the same error code, so this notes when it starts reading the environment (it
 * reads every flag first, then the variables of options not given as flags).
 */
export function exitWithCodes(command: Command): void {
  let source: OptionSource = 'cli';
  const readingEnv = () => (source = 'env');
  command.on('newListener', (event: string, listener: unknown) => {
    // Node puts a listener added here before the one being added: ours runs before commander parses.
    if (listener !== readingEnv && event.startsWith('optionEnv:')) command.on(event, readingEnv);
  });
  command.exitOverride((error) => process.exit(exitCodeFor(error, source)));
}
