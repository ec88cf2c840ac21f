import { accessSync, constants, readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { InvalidArgumentError } from 'commander';
import { compileFilter, FilterSyntaxError } from '../filter-expression';
import type { ForwardOptions } from '../forward-options';
import { option, type ForwardOption } from './forward-option';
import { httpUrl } from './option-parsers';

/**
 * The forward command's options that shape deliveries for the receiver: which records it gets
 * (--filter), and how the forwarder authenticates to it (OAuth2 client credentials, a client
 * certificate). Each also reads the environment variable named in `env`.
 */
export const RECEIVER_OPTIONS: readonly ForwardOption[] = [
  option({
    key: 'filter',
    flags: '--filter <cel>',
    description:
      'CEL expression over key, headers, value (the JSON), topic, partition, offset, timestamp: records it does not match are committed, not delivered (default: none, all delivered)',
    env: 'FORWARDER_FILTER',
    parse(value: string) {
      try {
        compileFilter(value);
      } catch (error) {
        if (!(error instanceof FilterSyntaxError)) throw error;
        const at = error.column === undefined ? '' : ` at column ${error.column}`;
        throw new InvalidArgumentError(`It is not a valid CEL filter${at}: ${error.message}`);
      }
      return value;
    },
  }),
  option({
    key: 'oauth2TokenUrl',
    flags: '--oauth2-token-url <url>',
    description: 'OAuth2 token endpoint: every request carries a client-credentials bearer token (default: off)',
    env: 'FORWARDER_OAUTH2_TOKEN_URL',
    parse(value: string) {
      return httpUrl(value);
    },
  }),
  option({
    key: 'oauth2ClientId',
    flags: '--oauth2-client-id <id>',
    description: 'OAuth2 client id, with --oauth2-token-url',
    env: 'FORWARDER_OAUTH2_CLIENT_ID',
    parse(value: string) {
      return nonEmpty(value);
    },
  }),
  option({
    key: 'oauth2ClientSecret',
    flags: '--oauth2-client-secret <secret>',
    description: 'OAuth2 client secret (prefer the variable or --oauth2-client-secret-file: flags show in ps)',
    env: 'FORWARDER_OAUTH2_CLIENT_SECRET',
    parse(value: string) {
      // Not echoed in the error line, unlike other values.
      if (value.trim() === '') throw new InvalidArgumentError('It must not be empty.');
      return value;
    },
  }),
  option({
    key: 'oauth2ClientSecretFile',
    flags: '--oauth2-client-secret-file <path>',
    description: 'file holding the OAuth2 client secret (a mounted Secret)',
    env: 'FORWARDER_OAUTH2_CLIENT_SECRET_FILE',
    parse(value: string) {
      return nonEmpty(value);
    },
  }),
  option({
    key: 'oauth2Scope',
    flags: '--oauth2-scope <scopes>',
    description: 'scope asked for with the token, space-separated (default: none)',
    env: 'FORWARDER_OAUTH2_SCOPE',
    parse(value: string) {
      return nonEmpty(value);
    },
  }),
  option({
    key: 'oauth2Audience',
    flags: '--oauth2-audience <audience>',
    description: 'audience asked for with the token (Auth0, Okta) (default: none)',
    env: 'FORWARDER_OAUTH2_AUDIENCE',
    parse(value: string) {
      return nonEmpty(value);
    },
  }),
  option({
    key: 'tlsCert',
    flags: '--tls-cert <path>',
    description: 'PEM client certificate (chain) for https targets, with --tls-key; re-read within 30 s of a change',
    env: 'FORWARDER_TLS_CERT',
    parse(value: string) {
      return nonEmpty(value);
    },
  }),
  option({
    key: 'tlsKey',
    flags: '--tls-key <path>',
    description: 'PEM private key of --tls-cert',
    env: 'FORWARDER_TLS_KEY',
    parse(value: string) {
      return nonEmpty(value);
    },
  }),
  option({
    key: 'tlsCa',
    flags: '--tls-ca <path>',
    description: "PEM certificates trusted for the target's certificate (default: the system's)",
    env: 'FORWARDER_TLS_CA',
    parse(value: string) {
      return nonEmpty(value);
    },
  }),
];

/** The receiver options that only work together, checked as a whole; `fail` exits with one line. */
export function checkReceiverOptions(options: ForwardOptions, fail: (message: string) => never): void {
  const { oauth2TokenUrl, oauth2ClientId, oauth2ClientSecret, oauth2ClientSecretFile } = options;
  const oauth2Given = [oauth2ClientId, oauth2ClientSecret, oauth2ClientSecretFile, options.oauth2Scope];
  if (oauth2TokenUrl === undefined) {
    if (oauth2Given.some((value) => value !== undefined) || options.oauth2Audience !== undefined)
      fail('the --oauth2-* options need --oauth2-token-url.');
  } else {
    if (oauth2ClientId === undefined) fail('--oauth2-token-url needs --oauth2-client-id.');
    if ((oauth2ClientSecret === undefined) === (oauth2ClientSecretFile === undefined))
      fail('--oauth2-token-url needs one of --oauth2-client-secret and --oauth2-client-secret-file.');
  }
  // Read at start (the secret) or by the HTTP client: checked here, where the pod's files are, not by the parser.
  const files = {
    '--oauth2-client-secret-file': oauth2ClientSecretFile,
    '--tls-cert': options.tlsCert,
    '--tls-key': options.tlsKey,
    '--tls-ca': options.tlsCa,
  };
  for (const [flag, path] of Object.entries(files))
    if (path !== undefined && !readable(path)) fail(`${flag} ${path} is not a readable file.`);
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) fail('--tls-cert and --tls-key go together.');
  if ((options.tlsCert ?? options.tlsCa) !== undefined && !options.targetUrl.startsWith('https:'))
    fail('--tls-cert, --tls-key and --tls-ca need an https:// --target-url.');
  if (options.tlsCert !== undefined || options.tlsCa !== undefined) {
    try {
      createSecureContext({
        cert: options.tlsCert && readFileSync(options.tlsCert),
        key: options.tlsKey && readFileSync(options.tlsKey),
        ca: options.tlsCa && readFileSync(options.tlsCa),
      });
    } catch (error) {
      fail(`--tls-cert, --tls-key and --tls-ca must be PEM files that go together: ${(error as Error).message}`);
    }
  }
  if (oauth2ClientSecretFile !== undefined) {
    options.oauth2ClientSecret = readFileSync(oauth2ClientSecretFile, 'utf8').trim();
    if (options.oauth2ClientSecret === '') fail(`--oauth2-client-secret-file ${oauth2ClientSecretFile} is empty.`);
  }
}

function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('It must not be empty.');
  return value.trim();
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
