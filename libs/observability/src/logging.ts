import { DynamicModule, Global, Inject, Injectable, LoggerService, Module, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import pino, { type Logger as Pino } from 'pino';
import pinoPretty from 'pino-pretty';
import { onResponseEnd } from './response-end';

/** LOG_LEVEL, named as Nest names its levels. */
export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** LOG_FORMAT: `auto` is readable lines when stdout is a terminal, JSON otherwise. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const PINO_LEVEL: Record<LogLevel, string> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface LoggingOptions {
  app: 'ingress' | 'forwarder';
  level: LogLevel;
  /** Log every request at info; otherwise only 5xx answers are logged (at warn). */
  accessLog: boolean;
  /** Readable lines or JSON; `auto` (the default) follows whether stdout is a terminal. */
  format?: LogFormat;
  /** Path prefixes whose 5xx answers are expected (health probes while starting, the simulator's failures): logged at debug, not warn. */
  expected5xxPaths?: readonly string[];
}

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
const LOGGING_OPTIONS = Symbol('LOGGING_OPTIONS');

declare module 'express' {
  interface Request {
    /** The request id: X-Request-Id when sane, else generated; echoed back and on its log lines. */
    id?: string;
    /** Who the request was authenticated as (never a secret); on its log lines when set. */
    clientId?: string;
  }
}

/**
 * JSON lines (pino), or readable lines (pino-pretty: local time, level, app, context, message).
 * pino-pretty runs in this thread (sync), so nothing is lost when the process exits.
 */
export function createRootLogger(options: LoggingOptions): Pino {
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && Boolean(process.stdout.isTTY));
  const level = PINO_LEVEL[options.level];
  const base = { app: options.app };
  if (!pretty) return pino({ level, base });
  return pino({ level, base }, prettyStream());
}

/** The readable form: `12:03:04.567 INFO  ingress [Context] message {fields}`. */
export function prettyStream(destination: NodeJS.WritableStream | number = 1) {
  return pinoPretty({
    destination,
    sync: true,
    colorize: !process.env.NO_COLOR && (typeof destination === 'number' ? Boolean(process.stdout.isTTY) : false),
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,app,context',
    messageFormat: '{app} {if context}[{context}] {end}{msg}',
    singleLine: true,
  });
}

/** Nest's start-up chatter (modules loaded, routes mapped): logged at debug. */
const BOOT_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
  'NestMicroservice',
]);

/**
 * Nest's Logger, writing through pino. A message may be an object (its fields become fields of
 * the line, e.g. `{ reqId, msg }`); the last string argument is the context, as Nest passes it.
 */
@Injectable()
export class GatewayLogger implements LoggerService {
  constructor(@Inject(ROOT_LOGGER) private readonly pino: Pino) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = contextOf(rest);
    this.write(context && BOOT_CONTEXTS.has(context) ? 'debug' : 'info', message, context);
  }

  error(message: unknown, ...rest: unknown[]): void {
    // Nest passes (message, stack?, context?).
    const context = contextOf(rest);
    const stack = rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    this.write('error', message, context, stack);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, contextOf(rest));
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, contextOf(rest));
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, contextOf(rest));
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, contextOf(rest));
  }

  private write(
    level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal',
    message: unknown,
    context?: string,
    stack?: string,
  ): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = context ? { context } : {};
    if (stack) fields.stack = stack;
    if (message instanceof Error) this.pino[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null)
      this.pino[level]({ ...fields, ...(message as Record<string, unknown>) });
    else this.pino[level](fields, String(message));
  }
}

function contextOf(rest: unknown[]): string | undefined {
  const last = rest[rest.length - 1];
  return typeof last === 'string' ? last : undefined;
}

/**
 * Gives every request an id (X-Request-Id when sane, else a UUID), echoes it back, and logs the
 * request when it ends: every request with INGRESS_ACCESS_LOG, else only 5xx answers. Never
 * headers or bodies (they carry credentials and payloads). Hand-rolled rather than pino-http with
 * request-scoped loggers: those cost about a third of the ingress's throughput.
 */
@Injectable()
export class RequestLogMiddleware implements NestMiddleware {
  constructor(
    @Inject(ROOT_LOGGER) private readonly pino: Pino,
    @Inject(LOGGING_OPTIONS) private readonly options: LoggingOptions,
  ) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const given = request.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    request.id = id;
    response.setHeader('X-Request-Id', id);
    const started = performance.now();
    onResponseEnd(response, (finished) => {
      if (!finished) return;
      const failed = response.statusCode >= 500;
      if (!failed && !this.options.accessLog) return;
      const line = {
        reqId: id,
        client: request.clientId,
        req: { method: request.method, url: request.originalUrl },
        res: { statusCode: response.statusCode },
        responseTime: Math.round(performance.now() - started),
      };
      if (!failed) this.pino.info(line, 'request completed');
      else if (this.expected5xx(request.path)) this.pino.debug(line, `request answered ${response.statusCode}`);
      else this.pino.warn(line, `request answered ${response.statusCode}`);
    });
    next();
  }

  private expected5xx(path: string): boolean {
    return this.options.expected5xxPaths?.some((prefix) => path === prefix || path.startsWith(`${prefix}/`)) ?? false;
  }
}

/** The root logger, Nest's Logger over it, and request logging, for one app. */
@Global()
@Module({})
export class LoggingModule {
  static forRoot(options: LoggingOptions): DynamicModule {
    return {
      module: LoggingModule,
      providers: [
        { provide: LOGGING_OPTIONS, useValue: options },
        { provide: ROOT_LOGGER, useFactory: () => createRootLogger(options) },
        GatewayLogger,
        RequestLogMiddleware,
      ],
      exports: [ROOT_LOGGER, GatewayLogger, RequestLogMiddleware],
    };
  }
}
