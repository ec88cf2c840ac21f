// A target with a scripted capacity or latency, for the adaptive-concurrency rows of
// bench:forwarder. Counts what it answered, per second.
//   scripted-target.ts <port> capped <capacity> <delayMs>   503 + Retry-After: 0 beyond <capacity> in flight
//   scripted-target.ts <port> jump <beforeMs> <afterMs> <atMs>  latency jumps <atMs> after the first request
// GET /stats -> {ok, refused, firstAt, lastAt, maxInFlight, seconds: [[ok, refused], ...]}
import { createServer } from 'node:http';

const mode = process.argv[3];
const [port, , a, b, c] = process.argv.slice(2).map(Number);
let ok = 0;
let refused = 0;
let firstAt = 0;
let lastAt = 0;
let inFlight = 0;
let maxInFlight = 0;
const seconds: [number, number][] = [];

function count(kind: 'ok' | 'refused'): void {
  const now = Date.now();
  if (firstAt === 0) firstAt = now;
  lastAt = now;
  const second = Math.floor((now - firstAt) / 1000);
  while (seconds.length <= second) seconds.push([0, 0]);
  seconds[second][kind === 'ok' ? 0 : 1]++;
  if (kind === 'ok') ok++;
  else refused++;
}

function delayFor(now: number): number {
  if (mode === 'capped') return b;
  return firstAt !== 0 && now - firstAt >= c ? b : a;
}

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ ok, refused, firstAt, lastAt, maxInFlight, seconds }));
  }
  req.on('data', () => undefined);
  req.on('end', () => {
    if (firstAt === 0) firstAt = Date.now();
    if (mode === 'capped' && inFlight >= a) {
      count('refused');
      res.writeHead(503, { 'retry-after': '0', 'content-type': 'application/json' });
      return res.end('{"ok":false}');
    }
    inFlight++;
    if (inFlight > maxInFlight) maxInFlight = inFlight;
    setTimeout(() => {
      inFlight--;
      count('ok');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    }, delayFor(Date.now()));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
