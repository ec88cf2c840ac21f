import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { sample } from '../../scripts/shared/metrics';
import { forwarderMetrics, forwarderSuite, forwardTopic, numberedRecords } from '../support/forwarder-run';
import { freePort, waitFor } from '../support/processes';

/**
 * A throwaway CA, a server certificate for 127.0.0.1 and two client certificates, made with
 * openssl for this run only (EC P-256: fast to make), so no private key is ever committed.
 */
function makeCertificates(dir: string): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...key, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=e2e-ca');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  const sign = (name: string, ext: string) => {
    openssl('req', ...key, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl(
      'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${name}.crt`, '-days', '1', '-extfile', ext,
    ); // prettier-ignore
  };
  sign('server', 'server.ext');
  sign('client-1', 'client.ext');
  sign('client-2', 'client.ext');
}

describe('forward --tls-*: client certificates to an https receiver', () => {
  const { kafka } = forwarderSuite();
  const dir = mkdtempSync(join(tmpdir(), 'mtls-'));
  const received: Array<{ cn: string; seq: number }> = [];
  let server: Server;
  let url: string;

  beforeAll(async () => {
    makeCertificates(dir);
    server = createServer(
      {
        cert: readFileSync(join(dir, 'server.crt')),
        key: readFileSync(join(dir, 'server.key')),
        ca: readFileSync(join(dir, 'ca.crt')),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          const cn = String((req.socket as TLSSocket).getPeerCertificate().subject.CN);
          received.push({ cn, seq: (JSON.parse(body) as { value: { i: number } }).value.i });
          res.writeHead(204).end();
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['undici', 'axios'] as const)(
    'with %s: is refused without --tls-cert, delivers with it, and uses a rotated certificate without a restart',
    async (client) => {
      received.length = 0;
      const topic = await kafka.createTopic(`mtls-${client}`, 2);
      await kafka.produce(topic, numberedRecords(20, 5));
      const ca = join(dir, 'ca.crt');

      // No client certificate: every handshake is refused, nothing arrives, nothing is dead-lettered.
      const healthPort = await freePort();
      const refused = forwardTopic(
        topic,
        { url },
        {
          'tls-ca': ca,
          'health-port': healthPort,
          'retry-delay': '100ms',
          // Its records are held (never delivered): the stop gives up on them at once.
          'shutdown-timeout': '1s',
        },
      );
      await waitFor('refused handshakes', async () => {
        const metrics = await forwarderMetrics(healthPort);
        return (sample(metrics, 'kafka_gateway_forwarder_delivery_attempts_total', { result: 'connection_error' }) ??
          0) >= 3
          ? true
          : undefined;
      });
      expect(await refused.stop()).toBe(0);
      expect(received).toHaveLength(0);

      // The mounted pair, as cert-manager keeps it: files rewritten in place.
      const cert = join(dir, `${client}-tls.crt`);
      const key = join(dir, `${client}-tls.key`);
      copyFileSync(join(dir, 'client-1.crt'), cert);
      copyFileSync(join(dir, 'client-1.key'), key);
      const forwarder = forwardTopic(
        topic,
        { url },
        {
          'http-client': client,
          'tls-ca': ca,
          'tls-cert': cert,
          'tls-key': key,
        },
      );
      await waitFor('the 20 records', async () => new Set(received.map((r) => r.seq)).size === 20 || undefined, 60_000);
      expect(received.every((r) => r.cn === 'client-1')).toBe(true);

      copyFileSync(join(dir, 'client-2.key'), key);
      copyFileSync(join(dir, 'client-2.crt'), cert);
      await waitFor('the new pair in use', async () => /The TLS files changed/.test(forwarder.output()) || undefined);
      await kafka.produce(
        topic,
        numberedRecords(20, 5).map((m, i) => ({ ...m, value: JSON.stringify({ i: 20 + i }) })),
      );
      await waitFor('the next 20 records', async () => new Set(received.map((r) => r.seq)).size === 40 || undefined);
      expect(await forwarder.stop()).toBe(0);
      expect(received.filter((r) => r.seq >= 20).every((r) => r.cn === 'client-2')).toBe(true);
      expect(await kafka.recordCount(`${topic}.dlq`)).toBe(0);
    },
  );
});
