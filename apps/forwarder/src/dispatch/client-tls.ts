import { Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

/** --tls-cert, --tls-key, --tls-ca: paths of PEM files. */
export interface TlsFiles {
  cert?: string;
  key?: string;
  ca?: string;
}

/** The files' contents, as node:tls and undici's connect options take them. */
export interface TlsMaterial {
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer;
}

/** How often the files are read again: well within the 30 s a rotation may take to be used. */
export const TLS_RELOAD_INTERVAL_MS = 10_000;

/**
 * The client certificate and trusted CAs for HTTPS targets, read from their files at start and
 * again every 10 s, so a certificate rotated in place (cert-manager renewing a mounted Secret) is
 * used without a restart. New contents are taken only once they make a valid TLS context (a key
 * that matches its certificate), so a rotation seen half-written keeps the old pair until the
 * next read; the HTTP clients then make their new connections with the new pair.
 */
export class ClientTls {
  private material: TlsMaterial;
  private readonly listeners: Array<(material: TlsMaterial) => void> = [];
  private readonly timer: NodeJS.Timeout;
  private readonly log = new Logger('TLS');
  private warned = false;

  constructor(
    private readonly files: TlsFiles,
    intervalMs = TLS_RELOAD_INTERVAL_MS,
  ) {
    this.material = readMaterial(files);
    createSecureContext(this.material);
    this.timer = setInterval(() => this.reload(), intervalMs).unref();
  }

  get current(): TlsMaterial {
    return this.material;
  }

  onChange(listener: (material: TlsMaterial) => void): void {
    this.listeners.push(listener);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private reload(): void {
    let next: TlsMaterial;
    try {
      next = readMaterial(this.files);
      if (sameMaterial(next, this.material)) return;
      createSecureContext(next);
    } catch (error) {
      if (!this.warned)
        this.log.warn(`The TLS files could not be used (${(error as Error).message}): keeping the previous ones`);
      this.warned = true;
      return;
    }
    this.warned = false;
    this.material = next;
    this.log.log('The TLS files changed: new connections use them');
    for (const listener of this.listeners) listener(next);
  }
}

function readMaterial(files: TlsFiles): TlsMaterial {
  const material: TlsMaterial = {};
  if (files.cert !== undefined) material.cert = readFileSync(files.cert);
  if (files.key !== undefined) material.key = readFileSync(files.key);
  if (files.ca !== undefined) material.ca = readFileSync(files.ca);
  return material;
}

function sameMaterial(a: TlsMaterial, b: TlsMaterial): boolean {
  const same = (x?: Buffer, y?: Buffer) => (x === undefined ? y === undefined : y !== undefined && x.equals(y));
  return same(a.cert, b.cert) && same(a.key, b.key) && same(a.ca, b.ca);
}
