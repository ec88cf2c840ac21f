// A target that answers 200 at once and counts what it received: the forwarder's fastest
// possible endpoint. GET /stats -> {count, firstAt, lastAt}; DELETE /stats resets.
// Usage: sink-server.ts <port>
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
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
  req.on('data', () => undefined);
  req.on('end', () => {
    const now = Date.now();
    if (count === 0) firstAt = now;
    lastAt = now;
    count++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
