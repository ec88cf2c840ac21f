import type { Server } from 'node:http';

/**
 * Where a server really listens, as a URL: `http://0.0.0.0:6969` when bound to every interface
 * (with how to reach it from this machine), the address itself otherwise.
 */
export function listeningOn(server: Server): string {
  const address = server.address();
  if (address === null || typeof address === 'string') return String(address);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  const everywhere = address.address === '0.0.0.0' || address.address === '::';
  return everywhere ? `${url} (every interface; http://127.0.0.1:${address.port} from this machine)` : url;
}
