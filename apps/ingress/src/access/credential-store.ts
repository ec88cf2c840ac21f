import { ConfigError } from '@app/config';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { loadCredentials, type CredentialSources, type CredentialSpec } from '../config/credentials';
import { INGRESS_CONFIG, type IngressConfig } from '../config/ingress.config';
import { CredentialSet } from './credential-set';

/** How often the credential files are looked at: a change applies within about this, well inside 5 s. */
export const CREDENTIALS_POLL_MS = 1_000;

/**
 * The credentials in force, read at boot and again whenever INGRESS_CREDENTIALS_FILE or
 * INGRESS_API_KEYS_FILE changes. A Kubernetes Secret is updated by swapping a symlink in its
 * directory, which an inotify watch on the file never sees: the files are polled with stat(), which
 * follows the link, so a new target (another inode) counts as a change. An edit that does not load
 * keeps the set in force: never none, never every key.
 */
@Injectable()
export class CredentialStore implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Credentials');
  private readonly sources: CredentialSources;
  private readonly files: string[];
  private specs: CredentialSpec[];
  private set: CredentialSet;

  constructor(@Inject(INGRESS_CONFIG) config: IngressConfig) {
    this.sources = config.access.credentialSources;
    this.files = [this.sources.credentialsFile, this.sources.apiKeysFile].filter((f): f is string => f !== undefined);
    this.specs = config.access.credentials;
    this.set = new CredentialSet(this.specs);
  }

  get current(): CredentialSet {
    return this.set;
  }

  onModuleInit(): void {
    for (const file of this.files) watchFile(file, { interval: CREDENTIALS_POLL_MS, persistent: false }, this.changed);
  }

  onModuleDestroy(): void {
    for (const file of this.files) unwatchFile(file, this.changed);
  }

  /** Reads every source again; the new set applies to requests not yet authenticated. */
  reload(): void {
    let specs: CredentialSpec[];
    try {
      specs = loadCredentials(this.sources);
    } catch (error) {
      const reason = error instanceof ConfigError ? error.message : String(error);
      this.logger.error(`Credentials not reloaded, keeping the ${this.set.size} in force: ${reason}`);
      return;
    }
    if (JSON.stringify(specs) === JSON.stringify(this.specs)) return;
    this.specs = specs;
    this.set = new CredentialSet(specs);
    const named = specs.filter((spec) => spec.name !== undefined).length;
    this.logger.log(`Credentials reloaded: ${named} named, ${specs.length - named} unnamed API keys`);
  }

  private readonly changed = (current: Stats, previous: Stats): void => {
    if (current.mtimeMs === previous.mtimeMs && current.ino === previous.ino && current.size === previous.size) return;
    this.reload();
  };
}
