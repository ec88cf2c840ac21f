import type { LoggerService } from '@nestjs/common';
import { sleep } from '@app/common';
import { errorOfKafkaJsLog, kafkaJsConnectFailure } from './kafka-errors';

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 5_000;
/** A problem is reported at once, then after 10 s, 20 s, 40 s, ... at most every 5 minutes. */
const FIRST_REPORT_INTERVAL_MS = 10_000;
const MAX_REPORT_INTERVAL_MS = 300_000;
/** How long a problem another client met still describes the cluster, for a client still trying. */
const RECENT_PROBLEM_MS = 10_000;

interface ErrorLike {
  message?: string;
  code?: string;
  broker?: string;
  host?: string;
  port?: number;
  originalError?: unknown;
  cause?: unknown;
}

const TLS_CODES = /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT|ERR_OSSL_)/;

function chainOf(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current = error as ErrorLike | undefined;
  while (current && typeof current === 'object' && chain.length < 10 && !chain.includes(current)) {
    chain.push(current);
    current = (current.originalError ?? current.cause) as ErrorLike | undefined;
  }
  return chain;
}

/**
 * What went wrong with a connection attempt, in words an operator can act on: the broker, then
 * the cause (refused, DNS, TLS, SASL, not a Kafka listener, no answer).
 */
export function describeConnectError(error: unknown, brokers: readonly string[] = []): string {
  const chain = chainOf(error);
  const err = chain[0] ?? {};
  const failing =
    chain.find((e) => e.broker)?.broker ??
    chain.map((e) => (e.host && e.port ? `${e.host}:${e.port}` : undefined)).find(Boolean);
  const at = failing ?? (brokers.length > 0 ? brokers.join(',') : undefined);
  const where = at ? ` at ${at}` : '';
  const code = chain.map((e) => e.code).find(Boolean) ?? '';
  const detail = chain[chain.length - 1]?.message ?? err.message ?? String(error);
  const failure = kafkaJsConnectFailure(error);
  // Not a kafkajs failure (e.g. the consumer's "topic does not exist (yet)"): it says it all.
  if (!code && failure === 'not-kafkajs') return detail;
  if (failure === 'authentication' || /authentication failed/i.test(detail)) {
    return `Kafka refused the credentials${where} (${detail}); check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`;
  }
  if (code === 'ECONNREFUSED') return `cannot reach Kafka${where}: connection refused (no broker listens there)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME')
    return `cannot reach Kafka${where}: the host name does not resolve (DNS ${code})`;
  if (TLS_CODES.test(code) || /SSL routines|certificate|TLS/i.test(detail)) {
    const reason = /SSL routines:[^:]*:([^:\n]+)/.exec(detail)?.[1] ?? detail.replace(/^Connection error: /, '').trim();
    return `cannot reach Kafka${where}: the TLS handshake failed (${reason}); check KAFKA_SSL and the KAFKA_SSL_* files`;
  }
  if (failure === 'closed') {
    return `cannot reach Kafka${where}: the server closed the connection without a Kafka answer (is it a Kafka listener, and does KAFKA_SSL match it?)`;
  }
  if (failure === 'timeout' || /Connection timeout|timed out/i.test(detail)) {
    return `cannot reach Kafka${where}: no answer in time (${detail.trim()}); is it a Kafka listener, reachable from here?`;
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT' || code === 'ECONNRESET')
    return `cannot reach Kafka${where}: ${code} (${detail.trim()})`;
  return `cannot reach Kafka${where} (${detail.trim()})`;
}

/**
 * Decides when a connection problem is worth a log line: at once, then with a growing interval
 * while it lasts. Shared by every client of the process, so the admin client, the producer and
 * the consumer failing for the same reason make one line, not three.
 */
export class ConnectProblemReports {
  private readonly problems = new Map<string, { nextAt: number; intervalMs: number; lastSeenAt: number }>();
  private brokers: readonly string[] = [];
  private last?: { problem: string; at: number };

  constructor(private readonly now: () => number = Date.now) {}

  /** The configured bootstrap list, named in reports when an error does not name its broker. */
  set configuredBrokers(brokers: readonly string[]) {
    this.brokers = brokers;
  }

  get configuredBrokers(): readonly string[] {
    return this.brokers;
  }

  /** Resolves to the interval until the next report of this problem, or undefined when it should stay quiet now. */
  due(problem: string): number | undefined {
    const now = this.now();
    this.last = { problem, at: now };
    const seen = this.problems.get(problem);
    // Gone for a while and back: a new episode, reported at once.
    if (!seen || now - seen.lastSeenAt > MAX_REPORT_INTERVAL_MS) {
      if (this.problems.size > 100) this.problems.clear();
      this.problems.set(problem, {
        nextAt: now + FIRST_REPORT_INTERVAL_MS,
        intervalMs: FIRST_REPORT_INTERVAL_MS,
        lastSeenAt: now,
      });
      return FIRST_REPORT_INTERVAL_MS;
    }
    seen.lastSeenAt = now;
    if (now < seen.nextAt) return undefined;
    seen.intervalMs = Math.min(seen.intervalMs * 2, MAX_REPORT_INTERVAL_MS);
    seen.nextAt = now + seen.intervalMs;
    return seen.intervalMs;
  }

  /**
   * The problem a client of this process met last, if within `withinMs`: what a client still in
   * its first attempt (kafkajs retries a connect for seconds before its caller hears) can say.
   */
  recent(withinMs = RECENT_PROBLEM_MS): string | undefined {
    const last = this.last;
    return last !== undefined && this.now() - last.at <= withinMs ? last.problem : undefined;
  }
}

/** One per process: every Kafka client of an app reports through it. */
export const connectProblemReports = new ConnectProblemReports();

/** Logs the problem when it is due (see ConnectProblemReports). */
export function reportConnectProblem(problem: string, logger: Pick<LoggerService, 'warn'>): void {
  const next = connectProblemReports.due(problem);
  if (next !== undefined) logger.warn(`${problem}; still trying, next report in ${next / 1000} s`);
}

/**
 * kafkajs logs a failed connection at once, before its own retries end and the caller hears of
 * it: the problem it describes, to report within the first second.
 */
export function connectProblemOfLog(message: string, broker: string | undefined): string | undefined {
  const error = errorOfKafkaJsLog(message, broker);
  return error && describeConnectError(error, connectProblemReports.configuredBrokers);
}

/**
 * Keeps calling `connect` until it succeeds or `signal` aborts, backing off up to 5 s. It warns
 * at the first failure (naming the broker and the cause), again with a growing interval while
 * the problem lasts, and once that Kafka is back, and never gives up: the apps must start and
 * stay up while the cluster is down. `onError` hears every failure, e.g. for health checks.
 */
export async function keepConnecting(
  what: string,
  connect: () => Promise<void>,
  logger: LoggerService,
  signal: AbortSignal,
  onError?: (problem: string) => void,
): Promise<boolean> {
  let delay = FIRST_DELAY_MS;
  let failures = 0;
  const since = Date.now();
  while (!signal.aborted) {
    try {
      await connect();
      if (failures > 0)
        logger.log(
          `${what} connected after ${failures} failed attempt${failures === 1 ? '' : 's'} (${((Date.now() - since) / 1000).toFixed(1)} s)`,
        );
      return true;
    } catch (error) {
      if (signal.aborted) break;
      failures++;
      const problem = describeConnectError(error, connectProblemReports.configuredBrokers);
      onError?.(problem);
      reportConnectProblem(problem, logger);
      await sleep(delay, signal);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
  return false;
}
