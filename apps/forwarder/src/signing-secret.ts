// A Standard Webhooks signing secret: the forward command checks it, the WebhookSigner uses it.

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
