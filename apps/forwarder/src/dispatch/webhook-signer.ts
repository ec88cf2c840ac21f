import { createHmac } from 'node:crypto';

const PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** The Standard Webhooks spec asks for keys of 24 to 64 bytes; shorter ones are refused. */
export const MIN_SIGNING_KEY_BYTES = 24;

/**
 * The HMAC key of a Standard Webhooks secret (`whsec_<base64>`). Throws an error whose message
 * never contains the secret, so it can be shown to an operator.
 */
export function signingKeyOf(secret: string): Buffer {
  const text = secret.trim();
  const encoded = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : undefined;
  if (encoded === undefined || encoded === '' || !BASE64.test(encoded)) {
    throw new Error('A signing secret must look like whsec_<base64 key>.');
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_SIGNING_KEY_BYTES)
    throw new Error(`A signing secret's key must be at least ${MIN_SIGNING_KEY_BYTES} bytes (it has ${key.length}).`);
  return key;
}

/**
 * Signs deliveries the Standard Webhooks way: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`,
 * one signature per key, space-separated, so a receiver that knows any one of the secrets can
 * verify while secrets are rotated.
 */
export class WebhookSigner {
  private readonly keys: readonly Buffer[];

  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('WebhookSigner needs at least one secret.');
    this.keys = secrets.map(signingKeyOf);
  }

  /** The `webhook-signature` value for exactly these body bytes (a string is signed UTF-8 encoded). */
  sign(id: string, timestamp: string, body: Buffer | string): string {
    const prefix = `${id}.${timestamp}.`;
    return this.keys
      .map((key) => `v1,${createHmac('sha256', key).update(prefix, 'utf8').update(body).digest('base64')}`)
      .join(' ');
  }

  /** Keeps the keys out of logs and util.inspect. */
  toJSON(): string {
    return `WebhookSigner(${this.keys.length} secret${this.keys.length === 1 ? '' : 's'})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON();
  }
}
