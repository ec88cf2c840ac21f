import { Command, type CommanderError } from 'commander';
import { acceptGoStyleFlags, goStyleToLong } from './go-flag-aliases';

/** A command shaped like `forward`: required-value options, a boolean flag, a single-letter one. */
function command(output: string[] = []): Command {
  const cmd = new Command('forward')
    .requiredOption('--topic <topic>')
    .requiredOption('--target-url <url>')
    .option('--broker <list>')
    .option('--rate <per-second>')
    .option('--header <header>')
    .option('--retry-4xx')
    .option('-v, --verbose')
    .exitOverride()
    .configureOutput({ writeOut: (text) => output.push(text), writeErr: (text) => output.push(text) })
    .action(() => undefined);
  acceptGoStyleFlags(cmd);
  return cmd;
}

function parse(args: string[], output: string[] = []): Record<string, unknown> {
  const cmd = command(output);
  cmd.parse(args, { from: 'user' });
  return cmd.opts();
}

function failure(args: string[]): CommanderError {
  try {
    parse(args);
  } catch (error) {
    return error as CommanderError;
  }
  throw new Error(`${args.join(' ')} was accepted`);
}

describe('Go-style flags', () => {
  it('runs the Go gateway consumer command line unchanged', () => {
    const opts = parse([
      '-broker',
      'broker0:29092',
      '-topic',
      'my-topic',
      '-target-url',
      'http://api.example.com/webhook',
      '-rate',
      '10.0',
    ]);
    expect(opts).toEqual({
      broker: 'broker0:29092',
      topic: 'my-topic',
      targetUrl: 'http://api.example.com/webhook',
      rate: '10.0',
    });
  });

  it('accepts -name=value and boolean flags, mixed with double-dash ones', () => {
    expect(parse(['-topic=t', '--target-url', 'http://t/', '-retry-4xx', '-rate=2'])).toEqual({
      topic: 't',
      targetUrl: 'http://t/',
      retry4xx: true,
      rate: '2',
    });
  });

  it('leaves option values alone, even when they look like a Go flag', () => {
    expect(parse(['--topic', 't', '--target-url', 'http://t/', '--header', '-rate', '-broker', '-topic'])).toEqual({
      topic: 't',
      targetUrl: 'http://t/',
      header: '-rate',
      broker: '-topic',
    });
  });

  it('keeps single-letter flags as they were', () => {
    expect(parse(['-v', '-topic', 't', '-target-url', 'http://t/'])).toMatchObject({ verbose: true });
    expect(goStyleToLong(['-v', '-h'], command().options)).toEqual(['-v', '-h']);
  });

  it('leaves unknown single-dash words for commander to refuse', () => {
    expect(failure(['-topic', 't', '-target-url', 'http://t/', '-bogus', '1'])).toMatchObject({
      code: 'commander.unknownOption',
      message: "error: unknown option '-bogus'",
    });
    expect(failure(['-topic', 't', '-target-url', 'http://t/', '-Topic', 'x'])).toMatchObject({
      code: 'commander.unknownOption',
    });
  });

  it('stops at -- as commander does', () => {
    expect(goStyleToLong(['-topic', 't', '--', '-broker', 'x'], command().options)).toEqual([
      '--topic',
      't',
      '--',
      '-broker',
      'x',
    ]);
  });

  it('shows help for -help and -h, saying single-dash spellings are accepted', () => {
    for (const flag of ['-help', '-h']) {
      const output: string[] = [];
      const error = (() => {
        try {
          parse([flag], output);
        } catch (e) {
          return e as CommanderError;
        }
      })();
      expect(error).toMatchObject({ code: 'commander.helpDisplayed', exitCode: 0 });
      expect(output.join('')).toContain('--target-url <url>');
      expect(output.join('')).toMatch(/Go-style single-dash spellings of these options are accepted/);
    }
  });

  it('knows the options added after it was installed', () => {
    const cmd = command();
    cmd.option('--min-workers <n>');
    cmd.parse(['-topic', 't', '-target-url', 'http://t/', '-min-workers', '2'], { from: 'user' });
    expect(cmd.opts()).toMatchObject({ minWorkers: '2' });
  });
});
