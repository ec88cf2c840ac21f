import { createHmac } from 'node:crypto';
import { signingKeyOf } from '../signing-secret';

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
