import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ForwardOptions } from '../forward-options';
import { checkReceiverOptions } from './forward-receiver-options';

const dir = mkdtempSync(join(tmpdir(), 'receiver-options-'));
const secretFile = join(dir, 'secret');
writeFileSync(secretFile, 's3cret-from-file\n');
writeFileSync(join(dir, 'empty'), '\n');
writeFileSync(join(dir, 'not.pem'), 'not a certificate\n');

const base = { targetUrl: 'https://receiver.test/hook' } as ForwardOptions;
const check = (given: Partial<ForwardOptions>) => {
  const options = { ...base, ...given };
  checkReceiverOptions(options, (message) => {
    throw new Error(message);
  });
  return options;
};

describe('checkReceiverOptions', () => {
  it('reads the client secret from its file', () => {
    const options = check({
      oauth2TokenUrl: 'https://auth.test/token',
      oauth2ClientId: 'id',
      oauth2ClientSecretFile: secretFile,
    });
    expect(options.oauth2ClientSecret).toBe('s3cret-from-file');
  });

  it.each<[string, Partial<ForwardOptions>, RegExp]>([
    ['an --oauth2-* option without the token URL', { oauth2ClientId: 'id' }, /need --oauth2-token-url/],
    [
      'a token URL without a client id',
      { oauth2TokenUrl: 'https://a.test/t', oauth2ClientSecret: 's' },
      /--oauth2-client-id/,
    ],
    [
      'a token URL without a secret',
      { oauth2TokenUrl: 'https://a.test/t', oauth2ClientId: 'id' },
      /one of --oauth2-client-secret/,
    ],
    [
      'both a secret and a secret file',
      {
        oauth2TokenUrl: 'https://a.test/t',
        oauth2ClientId: 'id',
        oauth2ClientSecret: 's',
        oauth2ClientSecretFile: secretFile,
      },
      /one of --oauth2-client-secret/,
    ],
    [
      'an empty secret file',
      { oauth2TokenUrl: 'https://a.test/t', oauth2ClientId: 'id', oauth2ClientSecretFile: join(dir, 'empty') },
      /is empty/,
    ],
    ['a file that is not there', { tlsCa: join(dir, 'missing.pem') }, /--tls-ca .*missing\.pem is not a readable file/],
    ['--tls-cert without --tls-key', { tlsCert: join(dir, 'not.pem') }, /go together/],
    [
      'TLS files for an http target',
      { tlsCa: join(dir, 'not.pem'), targetUrl: 'http://r.test/' },
      /https:\/\/ --target-url/,
    ],
    ['files that are not PEM', { tlsCert: join(dir, 'not.pem'), tlsKey: join(dir, 'not.pem') }, /must be PEM files/],
  ])('refuses %s', (_case, given, message) => {
    expect(() => check(given)).toThrow(message);
  });
});
