import 'reflect-metadata';
import { VERSION } from '@app/config';
import type { Command } from 'commander';
import { CommandFactory } from 'nest-commander';
import { exitCodeFor } from './cli/exit-codes';
import { CliModule } from './cli/cli.module';

/** Usage lines say `forwarder forward ...`, not the bundle's file name. */
function commandUsage(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.parent ? c.name() : 'forwarder');
  return `${names.join(' ')} ${command.usage()}`;
}

/** `node dist/apps/forwarder/main forward --topic <t> --target-url <url> [options]`; exit codes in cli/exit-codes.ts. */
async function main(): Promise<void> {
  await CommandFactory.run(CliModule, {
    logger: ['fatal', 'error', 'warn'],
    version: VERSION,
    helpConfiguration: { commandUsage },
    errorHandler: (error) => process.exit(exitCodeFor(error as Parameters<typeof exitCodeFor>[0])),
    serviceErrorHandler: (error) => {
      console.error(`forwarder: ${error.message}`);
      process.exit(1);
    },
  });
  process.exit(process.exitCode ?? 0);
}

void main();
