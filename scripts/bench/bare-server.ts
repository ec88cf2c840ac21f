// The HTTP ceiling: a bare Node server that reads and parses a JSON body and answers 200,
// with no framework and no Kafka. Usage: bare-server.ts <port>
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    try {
      JSON.parse(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"success":true}');
    } catch {
      res.writeHead(400);
      res.end();
    }
  });
});
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
