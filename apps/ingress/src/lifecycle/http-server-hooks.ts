import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError } from '../common/api-error';
import type { ErrorCode } from '../common/error-codes';
import { INGRESS_CONFIG, type IngressConfig } from '../config/ingress.config';

/** Time to receive the request headers; the body gets the rest of INGRESS_REQUEST_TIMEOUT_MS. */
const HEADERS_TIMEOUT_MS = 10_000;

/**
 * Answers what never reaches Nest with the same JSON errors as everything else: requests
 * Node's HTTP parser refuses (400 MALFORMED_REQUEST, 431 HEADERS_TOO_LARGE), requests that do not
 * arrive in time (408 REQUEST_TIMEOUT, instead of Node's 300 s default), and unknown `Expect`
 * headers (417). When the bad bytes follow a complete request on the same connection, that
 * request still gets its own answer before the connection closes: a client is never told 400
 * for a record that was written.
 */
@Injectable()
export class HttpServerHooks implements OnApplicationBootstrap {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(INGRESS_CONFIG) private readonly config: IngressConfig,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    server.requestTimeout = this.config.requestTimeoutMs;
    server.headersTimeout = Math.min(HEADERS_TIMEOUT_MS, this.config.requestTimeoutMs);
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => this.onClientError(error, socket));
    server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
      const body = JSON.stringify(
        new ApiError('EXPECTATION_FAILED', 'Only "Expect: 100-continue" is supported.').toBody(),
      );
      response.writeHead(417, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        Connection: 'close',
      });
      response.end(body);
    });
  }

  private onClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    if (inFlight && inFlight.req?.complete && !inFlight.writableEnded) {
      // The bad bytes came after a whole request: answer that one, then close.
      inFlight.shouldKeepAlive = false;
      inFlight.once('finish', () => socket.end());
      inFlight.once('close', () => socket.destroy());
      return;
    }
    const [status, code, message] = describe(error);
    const body = JSON.stringify(new ApiError(code, message).toBody());
    socket.once('finish', () => socket.destroy());
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

function describe(error: NodeJS.ErrnoException): [number, ErrorCode, string] {
  if (error.code === 'HPE_HEADER_OVERFLOW') return [431, 'HEADERS_TOO_LARGE', 'The request headers are too large.'];
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || error.code === 'ERR_HTTP_HEADERS_TIMEOUT') {
    return [408, 'REQUEST_TIMEOUT', 'The request did not arrive completely in time.'];
  }
  return [400, 'MALFORMED_REQUEST', `The request is not valid HTTP/1.1 (${error.code ?? 'parse error'}).`];
}
