import type { Command as Commander } from 'commander';
import { InvalidArgumentError } from 'commander';
import { Command, CommandRunner, Option } from 'nest-commander';
import { exitCodeFor } from '../cli/exit-codes';
import { brokerList, groupId, integer, oneOf, topicName } from '../cli/option-parsers';
import { parsePosition } from '../replay/position';
import { DEAD_LETTER_REASONS, type DeadLetterReason, type RedriveOptions } from './redrive-options';
import { RedriveRunner } from './redrive-runner';

const DEFAULT_MAX_REDRIVES = 5;

type Flags = Partial<Omit<RedriveOptions, 'reasons'>> & { reasons?: DeadLetterReason[] };

/**
 * `redrive --topic <dlq-topic> [options]`: puts dead letters back on their original topic, each
 * once, with its key, value and original headers, and `redrive-count` incremented.
 */
@Command({
  name: 'redrive',
  description: 'Re-produce dead letters to their original topic, each once; --dry-run shows what would be.',
})
export class RedriveCommand extends CommandRunner {
  constructor(private readonly runner: RedriveRunner) {
    super();
  }

  override setCommand(command: Commander): this {
    command.exitOverride((error) => process.exit(exitCodeFor(error)));
    return super.setCommand(command);
  }

  async run(_args: string[], flags: Flags): Promise<void> {
    const topic = flags.topic!;
    const options: RedriveOptions = {
      topic,
      to: flags.to,
      reasons: flags.reasons,
      since: flags.since,
      until: flags.until,
      dryRun: flags.dryRun ?? false,
      maxMessages: flags.maxMessages,
      maxRedrives: flags.maxRedrives ?? DEFAULT_MAX_REDRIVES,
      group: flags.group ?? `${topic}.redrive`,
      brokers: flags.brokers,
    };
    if (options.to === topic)
      this.usageError('--to must differ from --topic, or dead letters would be written back where they are.');
    if (options.since !== undefined && options.until !== undefined && options.since > options.until)
      this.usageError('--since must not be later than --until.');
    process.exitCode = await this.runner.run(options);
  }

  private usageError(message: string): never {
    this.command.error(`error: ${message}`, { exitCode: 2, code: 'redrive.invalidOptions' });
  }

  @Option({ flags: '--topic <dlq-topic>', description: 'the dead-letter topic to read', required: true })
  parseTopic(value: string) {
    return topicName(value);
  }

  @Option({
    flags: '--to <topic>',
    description:
      "write every record here instead of its dlq-original-topic (default: each record's dlq-original-topic)",
  })
  parseTo(value: string) {
    return topicName(value);
  }

  @Option({
    flags: '--reason <reason>',
    name: 'reasons',
    description: 'only dead letters with this dlq-reason: rejected or exhausted; repeatable (default: both)',
  })
  parseReason(value: string, previous: DeadLetterReason[] = []) {
    return [...new Set([...previous, oneOf(DEAD_LETTER_REASONS)(value)])];
  }

  @Option({
    flags: '--since <time>',
    description: 'only dead letters written at or after this ISO time or duration ago, e.g. 2h (default: all)',
  })
  parseSince(value: string) {
    return time(value);
  }

  @Option({
    flags: '--until <time>',
    description:
      'stop each partition at the first dead letter written after this ISO time or duration ago, leaving the rest for a later run (default: the end seen at start)',
  })
  parseUntil(value: string) {
    return time(value);
  }

  @Option({ flags: '--dry-run', description: 'print what would be redriven; send and commit nothing (default: off)' })
  parseDryRun() {
    return true;
  }

  @Option({ flags: '--max-messages <n>', description: 'stop after redriving this many (default: all)' })
  parseMaxMessages(value: string) {
    return integer(1, Number.MAX_SAFE_INTEGER)(value);
  }

  @Option({
    flags: '--max-redrives <n>',
    description: `leave a record in the dead-letter topic once its redrive-count header reaches this (default: ${DEFAULT_MAX_REDRIVES})`,
  })
  parseMaxRedrives(value: string) {
    return integer(1, 1_000)(value);
  }

  @Option({
    flags: '--brokers <list>',
    description: 'bootstrap brokers, host:port,... (default: KAFKA_BROKERS, else 127.0.0.1:9092)',
  })
  parseBrokers(value: string) {
    return brokerList(value);
  }

  @Option({
    flags: '--group <id>',
    description: 'consumer group that remembers what was redriven (default: <dlq-topic>.redrive)',
  })
  parseGroup(value: string) {
    return groupId(value);
  }
}

function time(value: string): number {
  try {
    const position = parsePosition(value, Date.now());
    if (position.kind !== 'time')
      throw new Error('It must be an ISO 8601 time such as 2026-11-30T14:00:00Z, or a duration ago such as 90m.');
    return position.at;
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}
