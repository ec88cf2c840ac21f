import { ConfigError } from '@app/config';
import { Logger } from '@nestjs/common';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Contract } from './contract';
import { jsonSchemaContract } from './json-schema-contract';

interface Loaded {
  /** mtime and size of the file the contract (or the failure) was read from. */
  version: string;
  contract?: Contract;
}

const SCHEMA_FILE = /^(.+)\.json$/;

/**
 * The contracts of INGRESS_SCHEMAS_DIR: `<topic>.json`, a JSON Schema for that topic's payloads.
 * Read at boot (a file that does not compile stops the boot); afterwards the folder is looked at
 * every second, a changed file compiled again, and a broken one logged while its last good
 * schema stays in force. A removed file removes the contract.
 */
export class FileContracts {
  private readonly logger = new Logger('PayloadContracts');
  private readonly loaded = new Map<string, Loaded>();
  private scanning = false;

  constructor(readonly dir: string) {}

  get(topic: string): Contract | undefined {
    return this.loaded.get(topic)?.contract;
  }

  get topics(): string[] {
    return [...this.loaded.keys()];
  }

  /** At boot: every file, synchronously; a ConfigError (one line, exit 1) names the first that does not compile. */
  loadAll(): void {
    for (const name of readdirSync(this.dir)) {
      const topic = SCHEMA_FILE.exec(name)?.[1];
      if (topic === undefined) continue;
      const path = join(this.dir, name);
      const stats = statSync(path);
      if (!stats.isFile()) continue;
      try {
        const contract = jsonSchemaContract(JSON.parse(readFileSync(path, 'utf8')), path);
        this.loaded.set(topic, { version: versionOf(stats), contract });
      } catch (error) {
        throw new ConfigError(`INGRESS_SCHEMAS_DIR: ${path} is not a usable JSON Schema: ${(error as Error).message}`);
      }
    }
  }

  /** One look at the folder: compiles what changed; never throws. */
  async rescan(): Promise<void> {
    if (this.scanning) return;
    this.scanning = true;
    try {
      const seen = new Set<string>();
      for (const name of await readdir(this.dir)) {
        const topic = SCHEMA_FILE.exec(name)?.[1];
        if (topic === undefined) continue;
        seen.add(topic);
        await this.reload(topic, join(this.dir, name));
      }
      for (const topic of this.loaded.keys()) {
        if (seen.has(topic)) continue;
        this.loaded.delete(topic);
        this.logger.log(`Payload contract of topic "${topic}" removed (its file is gone)`);
      }
    } catch (error) {
      this.logger.error(`Cannot read INGRESS_SCHEMAS_DIR ${this.dir}: ${(error as Error).message}`);
    } finally {
      this.scanning = false;
    }
  }

  private async reload(topic: string, path: string): Promise<void> {
    const stats = await stat(path).catch(() => undefined);
    if (!stats?.isFile()) return;
    const version = versionOf(stats);
    const previous = this.loaded.get(topic);
    if (previous?.version === version) return;
    try {
      const contract = jsonSchemaContract(JSON.parse(await readFile(path, 'utf8')), path);
      this.loaded.set(topic, { version, contract });
      this.logger.log(`Payload contract of topic "${topic}" ${previous ? 'reloaded' : 'loaded'} from ${path}`);
    } catch (error) {
      // Remember the version so the broken file is reported once, not every second.
      this.loaded.set(topic, { version, contract: previous?.contract });
      this.logger.error(
        `${path} is not a usable JSON Schema (${(error as Error).message}); ` +
          (previous?.contract ? 'the last good version stays in force' : 'the topic has no contract'),
      );
    }
  }
}

function versionOf(stats: { mtimeMs: number; size: number }): string {
  return `${stats.mtimeMs}:${stats.size}`;
}
