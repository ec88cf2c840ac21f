import { LoggerService } from '@nestjs/common';
import { Logger as PinoNestLogger, type Params } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** LOG_LEVEL, named as Nest names its levels. */
export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const PINO_LEVEL: Record<LogLevel, string> = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface LoggingOptions {
  app: 'ingress' | 'forwarder';
  level: LogLevel;
  /** Log every request at info; otherwise only 5xx answers are logged (at warn). */
  accessLog: boolean;
  /** Readable lines instead of JSON; defaults to whether stdout is a terminal. */
  pretty?: boolean;
}

/**
 * nestjs-pino settings shared by both apps: JSON lines (readable on a terminal), a request id
 * on every line logged while handling a request (taken from X-Request-Id when sane, echoed
 * back), never headers or bodies (they carry credentials and payloads).
 */
export function loggingParams(options: LoggingOptions): Params {
  const pretty = options.pretty ?? Boolean(process.stdout.isTTY);
  return {
    pinoHttp: {
      level: PINO_LEVEL[options.level],
      base: { app: options.app },
      quietReqLogger: true,
      autoLogging: true,
      genReqId: (request: IncomingMessage, response: ServerResponse) => {
        const given = request.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        response.setHeader('X-Request-Id', id);
        return id;
      },
      // A 5xx answer is worth a line; its cause, if a bug, is logged (with its stack) where it was
      // caught. pino-http's own "failed with status code 500" stack trace says nothing more.
      customLogLevel: (_request, response, error) => {
        if (error || response.statusCode >= 500) return 'warn';
        return options.accessLog ? 'info' : 'debug';
      },
      customErrorObject: (_request, _response, _error, loggable: Record<string, unknown>) => ({ ...loggable, err: undefined }),
      customErrorMessage: (_request, response) => `request answered ${response.statusCode}`,
      serializers: {
        req: (request: { id: string; method: string; url: string }) => ({ id: request.id, method: request.method, url: request.url }),
        res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
      },
      redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]'], remove: true },
      transport: pretty ? { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,app' } } : undefined,
    },
  };
}

/** Nest's start-up chatter (modules loaded, routes mapped): dropped below debug. */
const BOOT_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication', 'NestMicroservice']);

/** The nestjs-pino logger, minus module-loading lines at the default level. */
export class GatewayLogger extends PinoNestLogger implements LoggerService {
  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && BOOT_CONTEXTS.has(context)) {
      super.debug(message, ...rest);
      return;
    }
    super.log(message, ...rest);
  }
}
