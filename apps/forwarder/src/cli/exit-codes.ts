import type { CommanderError } from 'commander';

/**
 * Exit codes of the forwarder: 0 done (help, or a clean stop), 1 a failure at run time or a bad
 * environment variable, 2 a bad command line. commander has already printed its one line.
 */
export function exitCodeFor(error: CommanderError): number {
  if (error.exitCode === 0) return 0;
  return / from env /.test(error.message) ? 1 : 2;
}
