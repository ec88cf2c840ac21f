// A target that answers 200 at once and counts the records it received: the forwarder's fastest
// possible endpoint. GET /stats -> {count, firstAt, lastAt}; DELETE /stats resets.
// Usage: sink-server.ts <port>
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const OPEN_BRACKET = 0x5b;
const ENVELOPE_START = Buffer.from('{"topic":');

function envelopesIn(body: Buffer): number {
  let n = 0;
  for (let at = body.indexOf(ENVELOPE_START); at !== -1; at = body.indexOf(ENVELOPE_START, at + 1)) n++;
  return n;
}
let count = 0;
let firstAt = 0;
let lastAt = 0;
const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ count, firstAt, lastAt }));
  }
  if (req.method === 'DELETE') {
    count = firstAt = lastAt = 0;
    res.writeHead(204);
    return res.end();
  }
  // A batch (--batch-max) is a JSON array of envelopes: it counts as the records it carries.
  let batch: Buffer[] | undefined;
  req.on('data', (chunk: Buffer) => {
    if (batch === undefined && chunk[0] === OPEN_BRACKET) batch = [];
    batch?.push(chunk);
  });
  req.on('end', () => {
    const now = Date.now();
    if (count === 0) firstAt = now;
    lastAt = now;
    count += batch === undefined ? 1 : envelopesIn(Buffer.concat(batch));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
