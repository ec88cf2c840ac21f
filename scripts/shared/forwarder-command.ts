// How to start the built forwarder: its command line from flags by name. Shared by the tests and the scripts.
import { join } from 'node:path';

const REPO = join(__dirname, '../..');

/**
 * Flags of `forward` by their names on the command line. Each becomes `--<name> <value>` in the
 * order written; a list repeats the flag, `true` stands alone, undefined is left out.
 */
export interface ForwardFlags {
  topic: string;
  'target-url': string;
  brokers?: string;
  group?: string;
  workers?: number | 'auto';
  'min-workers'?: number;
  'max-workers'?: number;
  ordering?: 'key' | 'partition' | 'none';
  rate?: number;
  retries?: number;
  'retry-delay'?: string;
  'retry-max-delay'?: string;
  'retry-4xx'?: true;
  timeout?: string;
  'dlq-topic'?: string;
  'health-port'?: number;
  'stats-interval'?: number;
  'max-messages'?: number;
  'idle-exit'?: string;
  'shutdown-timeout'?: string;
  'max-pending'?: number;
  'circuit-threshold'?: number;
  'circuit-cooldown'?: string;
  'session-timeout'?: string;
  'http-client'?: 'undici' | 'axios';
  'batch-max'?: number;
  'batch-max-bytes'?: string;
  'batch-linger'?: string;
  header?: string[];
  'signing-secret'?: string[];
  from?: string;
  'reset-to'?: string;
  filter?: string;
  'oauth2-token-url'?: string;
  'oauth2-client-id'?: string;
  'oauth2-client-secret'?: string;
  'oauth2-client-secret-file'?: string;
  'oauth2-scope'?: string;
  'oauth2-audience'?: string;
  'tls-cert'?: string;
  'tls-key'?: string;
  'tls-ca'?: string;
  'schema-registry-url'?: string;
}

/** The argument list of a `forward` run: `{ topic: 'a', 'idle-exit': '2s' }` is `--topic a --idle-exit 2s`. */
export function forwardArgs(flags: ForwardFlags): string[] {
  return Object.entries(flags).flatMap(([name, value]: [string, unknown]) => {
    if (value === undefined) return [];
    if (value === true) return [`--${name}`];
    return (Array.isArray(value) ? value : [value]).flatMap((each) => [`--${name}`, String(each)]);
  });
}

/** The node arguments that run the built forwarder's `forward` command with these flags. */
export function forwarderCommand(flags: ForwardFlags): string[] {
  return [join(REPO, 'dist/apps/forwarder/main.js'), 'forward', ...forwardArgs(flags)];
}
