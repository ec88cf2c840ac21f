import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { getJson, postJson } from '../support/http';
import { TestKafka, testBrokers } from '../support/kafka-admin';
import { readAll } from '../support/kcat';
import { startIngress, stopAll, waitFor, type AppProcess } from '../support/processes';
import { bodyBytes, HOSTILE_CORPUS, type HostileRequest, type Placeholders } from './hostile/corpus';

/** Longest wait for a complete answer; the ingress answers every one of these in milliseconds. */
const ANSWER_TIMEOUT_MS = 10_000;
const BODY_SLICE_BYTES = 64 * 1024;
/**
 * The ingress answers 413 without reading the rest of an oversized body and closes the
 * connection; body bytes it has not read make the kernel reset that connection, which can destroy
 * the 413 before the client reads it. So this client behaves as curl does: it pauses after the
 * headers for an early refusal (Expect: 100-continue style), paces large bodies, and stops
 * sending once an answer starts. The reset a blasting client can get is reported separately.
 */
const EARLY_ANSWER_WAIT_MS = 200;
const PACE_BYTES = 32 * 1024;
const PACE_MS = 10;
const sleep = (ms: number) => new Promise((resume) => setTimeout(resume, ms));

interface RawAnswer {
  /** 0 when no status line arrived. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Why the exchange ended without a complete answer, if it did. */
  problem?: string;
}

/** The request exactly as the corpus describes it: request line, headers, framing and body bytes. */
function requestPieces(entry: HostileRequest, port: number, values: Placeholders): Buffer[] {
  const body = bodyBytes(entry, values);
  const chunks = entry.chunked === true ? 3 : entry.chunked || 0;
  const framing: Array<[string, string]> =
    chunks > 0
      ? [['Transfer-Encoding', 'chunked']]
      : entry.contentLength === 'none'
        ? []
        : [['Content-Length', String(entry.contentLength ?? body.length)]];
  const lines = [
    `${entry.method} ${entry.path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Connection: close',
    ...[...entry.headers, ...framing].map(([name, value]) => `${name}: ${value}`),
  ];
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
  if (chunks === 0) {
    const slices = [];
    for (let at = 0; at < body.length; at += BODY_SLICE_BYTES) slices.push(body.subarray(at, at + BODY_SLICE_BYTES));
    return [head, ...slices];
  }
  const size = Math.max(1, Math.ceil(body.length / chunks));
  const frames = [];
  for (let at = 0; at < body.length; at += size) {
    const chunk = body.subarray(at, at + size);
    frames.push(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
  }
  return [head, ...frames, Buffer.from('0\r\n\r\n')];
}

/** Sends exact bytes over a socket and reads one answer; a server that answers early and closes is fine. */
function sendRaw(port: number, pieces: Buffer[], halfClose: boolean): Promise<RawAnswer> {
  const largeBody = pieces.slice(1).reduce((sum, piece) => sum + piece.length, 0) > BODY_SLICE_BYTES;
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let done = false;
    const finish = (problem?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const answer = parseAnswer(Buffer.concat(received));
      resolve(
        answer.status > 0 && !problem
          ? answer
          : { ...answer, problem: problem ?? answer.problem ?? 'the connection closed without an answer' },
      );
    };
    const timer = setTimeout(() => finish(`no complete answer within ${ANSWER_TIMEOUT_MS} ms`), ANSWER_TIMEOUT_MS);
    socket.on('data', (data: Buffer) => {
      received.push(data);
      if (parseAnswer(Buffer.concat(received)).complete) finish();
    });
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    // EPIPE or ECONNRESET while we still send a body the server already refused: keep what it said.
    socket.on('error', () => finish());
    const send = async () => {
      let sincePause = 0;
      for (const [index, piece] of pieces.entries()) {
        // Stop sending once the server has started to answer, as any client would.
        if (done || received.length > 0) return;
        if (!socket.write(piece))
          await new Promise<void>((resume) => (socket.once('drain', resume), socket.once('close', resume)));
        sincePause += piece.length;
        if (index === 0 && largeBody) {
          await sleep(EARLY_ANSWER_WAIT_MS);
        } else if (sincePause >= PACE_BYTES) {
          sincePause = 0;
          await sleep(PACE_MS);
        } else {
          // Separate writes for separate chunks, so the server sees the framing arrive in pieces.
          await new Promise((resume) => setImmediate(resume));
        }
      }
      if (halfClose && !done) socket.end();
    };
    // A failure while sending ends this request with the reason rather than as an unhandled rejection.
    socket.on(
      'connect',
      () => void send().catch((error: unknown) => finish(`sending failed: ${(error as Error).message}`)),
    );
  });
}

function parseAnswer(raw: Buffer): RawAnswer & { complete: boolean } {
  let text = raw.toString('latin1');
  // Skip interim answers such as 100 Continue.
  while (/^HTTP\/1\.[01] 1\d\d /.test(text) && text.includes('\r\n\r\n'))
    text = text.slice(text.indexOf('\r\n\r\n') + 4);
  const end = text.indexOf('\r\n\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
  if (end < 0) return { status, headers: {}, body: '', complete: false };
  const headers: Record<string, string> = {};
  for (const line of text.slice(0, end).split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = Buffer.from(text.slice(end + 4), 'latin1');
  if (headers['transfer-encoding']?.includes('chunked')) {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const lineEnd = rest.indexOf('\r\n', at);
      if (lineEnd < 0) return { status, headers, body: Buffer.concat(parts).toString('utf8'), complete: false };
      const size = parseInt(rest.subarray(at, lineEnd).toString(), 16);
      if (Number.isNaN(size) || size === 0)
        return { status, headers, body: Buffer.concat(parts).toString('utf8'), complete: true };
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  return {
    status,
    headers,
    body: rest.subarray(0, length).toString('utf8'),
    complete: length !== undefined && rest.length >= length,
  };
}

const STACK_TRACE = /\n\s+at\s|\bat\s+\S+\s+\(\S+:\d+:\d+\)|node_modules|dist\/apps\//;

/** What the contract says about an answer, so a failure shows every difference at once. */
function verdict(answer: RawAnswer) {
  let body: { success?: unknown; error?: unknown; code?: unknown } | undefined;
  try {
    body = JSON.parse(answer.body);
  } catch {
    body = undefined;
  }
  return {
    answered: answer.problem ?? true,
    status: answer.status,
    jsonBody:
      body !== undefined && /application\/json/.test(answer.headers['content-type'] ?? '')
        ? true
        : `content-type ${answer.headers['content-type'] ?? 'none'}, body ${JSON.stringify(answer.body.slice(0, 120))}`,
    success: body?.success,
    errorSentence: typeof body?.error === 'string' && body.error.length > 0,
    code: body?.code,
    stackTrace: STACK_TRACE.test(answer.body),
  };
}

describe('hostile requests: each answered with a JSON 4xx, the ingress stays up, nothing is written', () => {
  const brokers = testBrokers();
  const kafka = new TestKafka(brokers);
  const statuses = new Map<string, number>();
  let ingress: AppProcess;
  let values: Placeholders;
  let okTopic: string;
  let sent = 0;
  let unexpected = 0;

  beforeAll(async () => {
    const topic = await kafka.createTopic('hostile', 3);
    values = { topic, missing: `hostile-missing-${randomBytes(4).toString('hex')}` };
    okTopic = await kafka.createTopic('hostile-ok', 1);
    ingress = await startIngress({
      KAFKA_BROKERS: brokers,
      INGRESS_MAX_BODY_BYTES: '65536',
      INGRESS_MAX_BATCH_MESSAGES: '5',
      INGRESS_REQUEST_TIMEOUT_MS: '3000',
    });
    // A fresh broker answers the first writes with 503 while its coordinators load: wait that out,
    // so that every corpus entry meets a gateway that can write.
    await waitFor(
      'a first record written through the ingress',
      async () =>
        (await postJson(`${ingress.url}/produce`, { topic: okTopic, key: 'before-the-corpus', payload: 0 })).status ===
        200,
      60_000,
      500,
    );
  });

  afterAll(async () => {
    const byStatus = [...statuses]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, count]) => `${status}: ${count}`);
    process.stdout.write(
      `\nhostile corpus: ${sent} of ${HOSTILE_CORPUS.length} entries sent; by status ${byStatus.join(', ')}; ${unexpected} not as expected\n`,
    );
    await stopAll();
  });

  it.each(HOSTILE_CORPUS.map((entry) => [`${entry.category}: ${entry.name}`, entry] as const))(
    '%s',
    async (_title, entry) => {
      const answer = await sendRaw(ingress.port, requestPieces(entry, ingress.port, values), entry.halfClose ?? false);
      sent++;
      const status = answer.status === 0 ? 'no answer' : String(answer.status);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      const expected = {
        answered: true,
        status: entry.expect.status,
        jsonBody: true,
        success: false,
        errorSentence: true,
        code: entry.expect.code,
        stackTrace: false,
      };
      const actual = verdict(answer);
      // A corpus entry may say what the ingress is known to do wrong; shown only while it still does.
      const wrong = JSON.stringify(actual) !== JSON.stringify(expected);
      if (wrong) unexpected++;
      expect(wrong && entry.defect ? { ...actual, knownDefect: entry.defect } : actual).toEqual(expected);
      const exited = ingress.child.exitCode !== null || ingress.child.signalCode !== null;
      expect({
        exitCode: ingress.child.exitCode,
        signal: ingress.child.signalCode,
        ...(exited ? { lastOutput: ingress.output().slice(-2_000) } : {}),
      }).toEqual({
        exitCode: null,
        signal: null,
      });
    },
  );

  it('is still alive afterwards and writes a valid record with 200', async () => {
    expect(ingress.child.exitCode).toBeNull();
    expect((await getJson(`${ingress.url}/health/live`)).status).toBe(200);
    const response = await postJson(`${ingress.url}/produce`, {
      topic: okTopic,
      key: 'after-the-corpus',
      payload: { ok: true },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ success: true, topic: okTopic, partition: 0 });
    // The independent reader sees that record, so an empty read of the hostile topic below means something.
    expect((await readAll(brokers, okTopic)).map((r) => [r.key, r.value])).toContainEqual([
      'after-the-corpus',
      '{"ok":true}',
    ]);
  });

  it('wrote no record for any of them, and created no topic', async () => {
    const records = await readAll(brokers, values.topic);
    expect(
      records.map(
        (r) =>
          `${r.partition}/${r.offset} key=${r.key} value=${r.value?.slice(0, 80)} headers=${JSON.stringify(r.headers)}`,
      ),
    ).toEqual([]);
    expect(await kafka.recordCount(values.topic)).toBe(0);
    expect(await kafka.topicExists(values.missing)).toBe(false);
  });
});
