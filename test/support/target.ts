import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request the forwarder made, as the target saw it. */
export interface Received {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: unknown;
  recordHeaders: Record<string, string>;
  timestamp: string;
  headers: IncomingHttpHeaders;
  /** The request body exactly as received (what a signature covers). */
  body: string;
  /** Every record the request carried: one, or a batch's (the fields above are its first's). */
  records: Array<{ partition: number; offset: number; key: string | null; value: unknown }>;
  status: number;
  at: number;
}

export interface Answer {
  status: number;
  delayMs?: number;
  headers?: Record<string, string>;
  /** Accept the request and never answer. */
  hang?: boolean;
}

/**
 * An HTTP endpoint the test controls: it decides each answer, records every request, and can
 * stop accepting connections (connection refused) and come back on the same port.
 */
export class TestTarget {
  readonly received: Received[] = [];
  /** Requests read and not yet answered, now and at most so far. */
  inFlight = 0;
  maxInFlight = 0;
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  /** `inFlight` counts this request too. */
  constructor(
    private decide: (request: Omit<Received, 'status' | 'at' | 'body'>, inFlight: number) => Answer = () => ({
      status: 200,
    }),
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  answerWith(decide: (request: Omit<Received, 'status' | 'at' | 'body'>, inFlight: number) => Answer): void {
    this.decide = decide;
  }

  async start(port = this.port): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      // Decoded once, whole: a character split across chunks must not be mangled.
      req.on('end', () => this.handle(Buffer.concat(chunks).toString('utf8'), req.headers, res));
    });
    this.server.keepAliveTimeout = 30_000;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Closes the port and every open connection: new connections are refused. */
  async stop(): Promise<void> {
    if (!this.server) return;
    const server = this.server;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private handle(body: string, headers: IncomingHttpHeaders, res: ServerResponse): void {
    type Envelope = {
      topic: string;
      partition: number;
      offset: number;
      key: string | null;
      value: unknown;
      headers: Record<string, string>;
      timestamp: string;
    };
    const parsed = JSON.parse(body) as Envelope | Envelope[];
    // --batch-max above 1: a JSON array of envelopes.
    const envelopes = Array.isArray(parsed) ? parsed : [parsed];
    const envelope = envelopes[0];
    const request = {
      records: envelopes.map(({ partition, offset, key, value }) => ({ partition, offset, key, value })),
      topic: envelope.topic,
      partition: envelope.partition,
      offset: envelope.offset,
      key: envelope.key,
      value: envelope.value,
      recordHeaders: envelope.headers,
      timestamp: envelope.timestamp,
      headers,
    };
    this.inFlight++;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    const answer = this.decide(request, this.inFlight);
    if (answer.hang) return;
    const reply = () => {
      this.inFlight--;
      this.received.push({ ...request, body, status: answer.status, at: Date.now() });
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify({ ok: answer.status < 300 }));
    };
    if (answer.delayMs) setTimeout(reply, answer.delayMs);
    else reply();
  }

  /** Records answered 2xx, by `partition/offset`, with how many times each was delivered. */
  deliveries(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.received) {
      if (r.status < 200 || r.status >= 300) continue;
      for (const { partition, offset } of r.records)
        counts.set(`${partition}/${offset}`, (counts.get(`${partition}/${offset}`) ?? 0) + 1);
    }
    return counts;
  }
}
