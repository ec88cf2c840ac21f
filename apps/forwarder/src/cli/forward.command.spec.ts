import type { TestingModule } from '@nestjs/testing';
import { CommandTestFactory } from 'nest-commander-testing';
import { ForwarderRunner } from '../forwarder-runner';
import type { ForwardLogging, ForwardOptions } from '../forward-options';
import { CliModule } from './cli.module';

class Exit extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
  }
}

const PROXY_VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'];
const LOG_VARIABLES = ['LOG_LEVEL', 'LOG_FORMAT'];
const REQUIRED = ['forward', '--topic', 'orders', '--target-url', 'http://target.test/hook'];

/**
 * Runs `forward` in-process, as main.ts does, with the ForwarderRunner replaced at its token: what
 * the command resolved, or how it exited and what it printed.
 */
async function forward(args: string[], env: Record<string, string> = {}) {
  const runs: ForwardOptions[] = [];
  const loggings: ForwardLogging[] = [];
  const stderr: string[] = [];
  const stdout: string[] = [];
  let failure: Error | undefined;
  const command: TestingModule = await CommandTestFactory.createTestingCommand(
    { imports: [CliModule] },
    {
      outputConfiguration: { writeErr: (text) => stderr.push(text), writeOut: (text) => stdout.push(text) },
      serviceErrorHandler: (error) => {
        failure = error;
      },
    },
  )
    .overrideProvider(ForwarderRunner)
    .useValue({
      run: async (options: ForwardOptions, logging: ForwardLogging) => (runs.push(options), loggings.push(logging), 0),
    })
    .compile();
  const saved = { ...process.env };
  for (const name of [
    ...PROXY_VARIABLES,
    ...LOG_VARIABLES,
    ...Object.keys(process.env).filter((n) => n.startsWith('FORWARDER_')),
  ])
    delete process.env[name];
  Object.assign(process.env, env);
  const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
    throw new Exit(Number(code ?? 0));
  });
  try {
    await CommandTestFactory.run(command, args);
  } finally {
    exit.mockRestore();
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    process.exitCode = undefined;
  }
  if (failure !== undefined && !(failure instanceof Exit)) throw failure;
  return {
    options: runs[0],
    logging: loggings[0],
    runs: runs.length,
    exitCode: failure instanceof Exit ? failure.code : undefined,
    stderr: stderr.join('').trim(),
    stdout: stdout.join(''),
  };
}

describe('forward option resolution', () => {
  it('applies the defaults to what is not given', async () => {
    const { options, exitCode } = await forward(REQUIRED);
    expect(exitCode).toBeUndefined();
    // Literal values: the defaults are public (README, --help), so a changed one must fail here.
    expect(options).toEqual({
      group: 'http-consumer',
      workers: 'auto',
      minWorkers: 1,
      maxWorkers: 1024,
      ordering: 'key',
      rate: 0,
      retries: 3,
      retryDelayMs: 1_000,
      retryMaxDelayMs: 30_000,
      timeoutMs: 10_000,
      statsIntervalS: 10,
      shutdownTimeoutMs: 30_000,
      circuitThreshold: 10,
      circuitCooldownMs: 5_000,
      sessionTimeoutMs: 10_000,
      topic: 'orders',
      targetUrl: 'http://target.test/hook',
      dlqTopic: 'orders.dlq',
      headers: {},
      retry4xx: false,
      // With --workers auto the window is sized for --max-workers: 4 x 1024.
      maxPending: 4_096,
      httpClient: 'undici',
      batchMax: 1,
      batchMaxBytes: 1_048_576,
      batchLingerMs: 5,
    });
  });

  it('sizes the default window for full batches, up to 100 000 records', async () => {
    expect((await forward([...REQUIRED, '--workers', '8', '--batch-max', '100'])).options.maxPending).toBe(3_200);
    expect((await forward([...REQUIRED, '--batch-max', '100'])).options.maxPending).toBe(100_000);
  });

  it('parses every flag into its typed value', async () => {
    const { options } = await forward([
      ...REQUIRED,
      '--brokers',
      'k1:9092, k2:9093',
      '--group',
      'billing',
      '--workers',
      '8',
      '--min-workers',
      '2',
      '--max-workers',
      '40',
      '--ordering',
      'PARTITION',
      '--rate',
      '2.5',
      '--retries',
      '0',
      '--retry-delay',
      '500ms',
      '--retry-max-delay',
      '2s',
      '--retry-4xx',
      '--timeout',
      '1m',
      '--dlq-topic',
      'orders.dead',
      '--header',
      'Authorization: Bearer abc',
      '--header',
      'X-Team: billing',
      '--health-port',
      '9100',
      '--stats-interval',
      '5',
      '--max-messages',
      '10',
      '--idle-exit',
      '3s',
      '--shutdown-timeout',
      '0',
      '--max-pending',
      '50',
      '--circuit-threshold',
      '2',
      '--circuit-cooldown',
      '100ms',
      '--session-timeout',
      '6s',
      '--http-client',
      'axios',
      '--batch-max',
      '100',
      '--batch-max-bytes',
      '512KiB',
      '--batch-linger',
      '20ms',
    ]);
    expect(options).toEqual({
      topic: 'orders',
      targetUrl: 'http://target.test/hook',
      brokers: ['k1:9092', 'k2:9093'],
      group: 'billing',
      workers: 8,
      minWorkers: 2,
      maxWorkers: 40,
      ordering: 'partition',
      rate: 2.5,
      retries: 0,
      retryDelayMs: 500,
      retryMaxDelayMs: 2_000,
      retry4xx: true,
      timeoutMs: 60_000,
      dlqTopic: 'orders.dead',
      headers: { Authorization: 'Bearer abc', 'X-Team': 'billing' },
      healthPort: 9100,
      statsIntervalS: 5,
      maxMessages: 10,
      idleExitMs: 3_000,
      shutdownTimeoutMs: 0,
      maxPending: 50,
      circuitThreshold: 2,
      circuitCooldownMs: 100,
      sessionTimeoutMs: 6_000,
      httpClient: 'axios',
      batchMax: 100,
      batchMaxBytes: 512 * 1024,
      batchLingerMs: 20,
    });
  });

  it('takes every option from its environment variable', async () => {
    const { options } = await forward(['forward'], {
      FORWARDER_TOPIC: 'payments',
      FORWARDER_TARGET_URL: 'https://target.test/in',
      FORWARDER_GROUP: 'from-env',
      FORWARDER_WORKERS: '4',
      FORWARDER_RETRY_DELAY: '2s',
      FORWARDER_RETRY_4XX: 'true',
      FORWARDER_HEADERS: 'A: 1\nB: 2',
      FORWARDER_STATS_INTERVAL: '30',
      FORWARDER_HTTP_CLIENT: 'axios',
    });
    expect(options).toMatchObject({
      topic: 'payments',
      targetUrl: 'https://target.test/in',
      group: 'from-env',
      workers: 4,
      retryDelayMs: 2_000,
      retry4xx: true,
      headers: { A: '1', B: '2' },
      statsIntervalS: 30,
      httpClient: 'axios',
      dlqTopic: 'payments.dlq',
    });
  });

  it.each(['false', '0', 'no', 'OFF'])('reads FORWARDER_RETRY_4XX=%s as off', async (value) => {
    const { options } = await forward(REQUIRED, { FORWARDER_RETRY_4XX: value });
    expect(options.retry4xx).toBe(false);
  });

  it('lets a flag win over its environment variable', async () => {
    const { options } = await forward([...REQUIRED, '--workers', '8', '--group', 'from-flag'], {
      FORWARDER_WORKERS: '4',
      FORWARDER_GROUP: 'from-env',
      FORWARDER_TOPIC: 'ignored',
    });
    expect(options).toMatchObject({ topic: 'orders', workers: 8, group: 'from-flag' });
    expect((await forward([...REQUIRED, '--retry-4xx'], { FORWARDER_RETRY_4XX: 'false' })).options.retry4xx).toBe(true);
  });

  it('does not read a bad environment variable that a flag overrides', async () => {
    const { options, exitCode } = await forward([...REQUIRED, '--workers', '8'], { FORWARDER_WORKERS: 'many' });
    expect(exitCode).toBeUndefined();
    expect(options.workers).toBe(8);
  });

  it('uses axios, which honours proxies, when a proxy variable is set', async () => {
    expect((await forward(REQUIRED, { HTTPS_PROXY: 'http://proxy.test:3128' })).options.httpClient).toBe('axios');
    expect(
      (await forward([...REQUIRED, '--http-client', 'undici'], { HTTPS_PROXY: 'http://proxy.test:3128' })).options
        .httpClient,
    ).toBe('undici');
  });

  describe('usage errors exit 2 with one line and run nothing', () => {
    it.each([
      [['forward', '--target-url', 'http://t/'], "error: required option '--topic <topic>' not specified"],
      [
        [...REQUIRED, '--workers', '0'],
        "error: option '--workers <n|auto>' argument '0' is invalid. It must be auto or an integer from 1 to 1024.",
      ],
      [
        [...REQUIRED, '--min-workers', '64', '--max-workers', '32'],
        'error: --min-workers (64) must not exceed --max-workers (32).',
      ],
      [
        ['forward', '--topic', '..', '--target-url', 'http://t/'],
        `error: option '--topic <topic>' argument '..' is invalid. It must be a Kafka topic name: 1-249 letters, digits, ".", "_" or "-".`,
      ],
      [
        [...REQUIRED, '--brokers', 'localhost'],
        "error: option '--brokers <list>' argument 'localhost' is invalid. It must be a comma-separated list of host:port.",
      ],
      [[...REQUIRED, '--no-such-flag'], "error: unknown option '--no-such-flag'"],
      [
        [...REQUIRED, '--retry-delay', '1m', '--retry-max-delay', '10s'],
        'error: --retry-delay (1m) must not exceed --retry-max-delay (10s).',
      ],
      [
        [...REQUIRED, '--dlq-topic', 'orders'],
        'error: --dlq-topic must differ from --topic, or failed records would be delivered again.',
      ],
      [
        [...REQUIRED, '--workers', '64', '--max-pending', '10'],
        'error: --max-pending (10) must be at least --workers (64).',
      ],
    ])('%j', async (args, line) => {
      const result = await forward(args);
      expect(result).toMatchObject({ exitCode: 2, runs: 0, stderr: line });
    });

    it('also when the options come from the environment and only their combination is wrong', async () => {
      const result = await forward(REQUIRED, { FORWARDER_RETRY_DELAY: '1m', FORWARDER_RETRY_MAX_DELAY: '10s' });
      expect(result).toMatchObject({ exitCode: 2, runs: 0 });
    });

    it('also for a bad flag when the environment holds good values', async () => {
      const result = await forward([...REQUIRED, '--retries', '-1'], { FORWARDER_WORKERS: '4' });
      expect(result).toMatchObject({ exitCode: 2, runs: 0 });
    });
  });

  it('exits 1 for a bad environment variable, naming it', async () => {
    const result = await forward(REQUIRED, { FORWARDER_WORKERS: 'many' });
    expect(result).toMatchObject({
      exitCode: 1,
      runs: 0,
      stderr:
        "error: option '--workers <n|auto>' value 'many' from env 'FORWARDER_WORKERS' is invalid. It must be auto or an integer from 1 to 1024.",
    });
  });

  describe('logging goes the same route as every other option', () => {
    it('takes LOG_LEVEL and LOG_FORMAT, a flag winning, and hands them to the runner beside the options', async () => {
      expect((await forward(REQUIRED)).logging).toEqual({ level: 'log', format: 'auto' });
      expect((await forward(REQUIRED, { LOG_LEVEL: 'debug', LOG_FORMAT: 'JSON' })).logging).toEqual({
        level: 'debug',
        format: 'json',
      });
      const flagged = await forward([...REQUIRED, '--log-level', 'warn', '--log-format', 'pretty'], {
        LOG_LEVEL: 'debug',
        LOG_FORMAT: 'json',
      });
      expect(flagged.logging).toEqual({ level: 'warn', format: 'pretty' });
      expect(flagged.options).not.toHaveProperty('logLevel');
    });

    it('exits 1 for a bad LOG_LEVEL, naming it, and runs nothing', async () => {
      expect(await forward(REQUIRED, { LOG_LEVEL: 'loud' })).toMatchObject({
        exitCode: 1,
        runs: 0,
        stderr:
          "error: option '--log-level <level>' value 'loud' from env 'LOG_LEVEL' is invalid. Allowed choices are error, warn, log, debug, verbose.",
      });
    });

    it('exits 2 for a bad --log-format flag, and runs nothing', async () => {
      expect(await forward([...REQUIRED, '--log-format', 'xml'])).toMatchObject({
        exitCode: 2,
        runs: 0,
        stderr:
          "error: option '--log-format <format>' argument 'xml' is invalid. Allowed choices are auto, json, pretty.",
      });
    });
  });

  it('shows in --help the defaults that resolution applies', async () => {
    const help = (await forward(['forward', '--help'])).stdout;
    // The option's own entry: its flag where entries start (two spaces in; a wrapped description
    // is indented further), up to the first default shown after it.
    const shownDefault = (flag: string) => {
      const entry = new RegExp(`^ {2}${flag} [\\s\\S]*?\\(default:\\s+([^)]*)\\)`, 'm').exec(help);
      return entry?.[1].replace(/\s+/g, ' ');
    };
    const expected: Record<string, string | number> = {
      '--group': 'http-consumer',
      '--workers': 'auto',
      '--min-workers': 1,
      '--max-workers': 1024,
      '--ordering': 'key',
      '--rate': 0,
      '--retries': 3,
      '--retry-delay': '1s',
      '--retry-max-delay': '30s',
      '--timeout': '10s',
      '--stats-interval': 10,
      '--shutdown-timeout': '30s',
      '--circuit-threshold': 10,
      '--circuit-cooldown': '5s',
      '--session-timeout': '10s',
      '--log-level': 'log',
      '--log-format': 'auto',
    };
    for (const [flag, value] of Object.entries(expected))
      expect([flag, shownDefault(flag)]).toEqual([flag, String(value)]);
  });

  it('exits 0 for --help, without running', async () => {
    const result = await forward(['forward', '--help']);
    expect(result).toMatchObject({ exitCode: 0, runs: 0 });
  });
});
