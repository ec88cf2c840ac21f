import { formatDuration } from '@app/config';
import type { LogFormat, LogLevel } from '@app/observability';
import type { Command as Commander } from 'commander';
import type { ForwardLogging, ForwardOptions } from '../forward-options';
import type { Position } from '../replay/position';
import { signingKeyOf } from '../signing-secret';
import { DEFAULTS, LOGGING_DEFAULTS } from './forward-defaults';
import { checkReceiverOptions } from './forward-receiver-options';
import { isOn } from './option-parsers';

/** The default --max-pending never exceeds this, however large the batches and the limit. */
const MAX_DEFAULT_PENDING = 100_000;

/** What commander hands over: only the flags given (or found in the environment). */
export type ForwardFlags = Partial<Omit<ForwardOptions, 'headers' | 'retry4xx'>> & {
  headers?: Record<string, string>;
  retry4xx?: boolean;
  resetTo?: Position;
  logLevel?: LogLevel;
  logFormat?: LogFormat;
};

/** The environment as the command read it: commander has read each option's variable from it. */
export type CommandEnvironment = Readonly<Record<string, string | undefined>>;

/**
 * The forward command's options with defaults applied, checked as a whole: a combination that
 * cannot work exits 2 (1 when the culprit came from the environment) with one line, through
 * `command.error`, before anything runs. `env` answers what commander cannot: the value of a
 * variable behind a flag without a value, and whether a proxy is set.
 */
export function resolveForwardOptions(
  flags: ForwardFlags,
  command: Commander,
  env: CommandEnvironment,
): ForwardOptions {
  const { logLevel: _level, logFormat: _format, resetTo: _resetTo, ...given } = flags;
  const topic = flags.topic!;
  const workers = flags.workers ?? DEFAULTS.workers;
  const minWorkers = flags.minWorkers ?? DEFAULTS.minWorkers;
  const maxWorkers = flags.maxWorkers ?? DEFAULTS.maxWorkers;
  // The most deliveries that can be in flight: the fixed number, or the adaptive limit's ceiling.
  const mostInFlight = workers === 'auto' ? maxWorkers : workers;
  const options: ForwardOptions = {
    ...DEFAULTS,
    ...stripUndefined(given),
    topic,
    targetUrl: flags.targetUrl!,
    workers,
    minWorkers,
    maxWorkers,
    dlqTopic: flags.dlqTopic ?? `${topic}.dlq`,
    headers: flags.headers ?? {},
    // commander hands a flag without a value only the presence of its variable: its value decides here.
    retry4xx:
      command.getOptionValueSource('retry4xx') === 'env' ? isOn(env.FORWARDER_RETRY_4XX) : (flags.retry4xx ?? false),
    // Room for every request in flight to carry a full batch, four times over (at most MAX_DEFAULT_PENDING).
    maxPending:
      flags.maxPending ??
      Math.max(1_000, Math.min(MAX_DEFAULT_PENDING, mostInFlight * 4 * (flags.batchMax ?? DEFAULTS.batchMax))),
    httpClient: flags.httpClient ?? defaultHttpClient(env),
  };
  const usageError = (message: string): never => failUsage(command, message);
  if (options.retryDelayMs > options.retryMaxDelayMs) {
    usageError(
      `--retry-delay (${formatDuration(options.retryDelayMs)}) must not exceed --retry-max-delay (${formatDuration(options.retryMaxDelayMs)}).`,
    );
  }
  if (options.dlqTopic === options.topic)
    usageError('--dlq-topic must differ from --topic, or failed records would be delivered again.');
  if (minWorkers > maxWorkers)
    usageError(`--min-workers (${minWorkers}) must not exceed --max-workers (${maxWorkers}).`);
  if (workers === 'auto') {
    if (options.maxPending < minWorkers)
      usageError(`--max-pending (${options.maxPending}) must be at least --min-workers (${minWorkers}).`);
  } else if (options.maxPending < workers) {
    usageError(`--max-pending (${options.maxPending}) must be at least --workers (${workers}).`);
  }
  checkSigningSecrets(options.signingSecrets ?? [], command);
  checkReceiverOptions(options, usageError);
  return options;
}

/** --log-level and --log-format (LOG_LEVEL, LOG_FORMAT), already checked by their parsers. */
export function resolveLogging(flags: ForwardFlags): ForwardLogging {
  return { level: flags.logLevel ?? LOGGING_DEFAULTS.level, format: flags.logFormat ?? LOGGING_DEFAULTS.format };
}

/** A bad command line: one line on stderr, exit 2 (see exit-codes.ts). */
export function failUsage(command: Commander, message: string): never {
  command.error(`error: ${message}`, { exitCode: 2, code: 'forwarder.invalidOptions' });
}

/** Checked here, not in the option parser, whose error line would echo the secret. */
function checkSigningSecrets(secrets: string[], command: Commander): void {
  secrets.forEach((secret, i) => {
    try {
      signingKeyOf(secret);
    } catch (error) {
      const which = `(secret ${i + 1} of ${secrets.length}). ${(error as Error).message}`;
      if (command.getOptionValueSource('signingSecret') === 'env') {
        command.error(
          `error: option '--signing-secret <secret>' value from env 'FORWARDER_SIGNING_SECRETS' is invalid ${which}`,
          { exitCode: 1, code: 'forwarder.invalidOptions' },
        );
      }
      failUsage(command, `option '--signing-secret <secret>' is invalid ${which}`);
    }
  });
}

/**
 * undici delivered 5x what @nestjs/axios did in bench:forwarder, so it is the default; axios
 * honours the proxy variables, so it takes over when one is set.
 */
function defaultHttpClient(env: CommandEnvironment): 'undici' | 'axios' {
  const proxy = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'].some((name) => (env[name] ?? '') !== '');
  return proxy ? 'axios' : 'undici';
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
