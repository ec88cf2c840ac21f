import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FORWARD_OPTIONS } from '../apps/forwarder/src/cli/forward.command';
import { ERROR_CODES } from '../apps/ingress/src/common/error-codes';
import { IngressEnvironment } from '../apps/ingress/src/config/ingress.config';
import { KafkaEnvironment } from '../libs/kafka/src/kafka.config';
import { variablesOf } from './support/environment';

const readme = readFileSync(join(__dirname, '../README.md'), 'utf8');

describe('README stays true to the code', () => {
  it('documents every error code with its status', () => {
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      expect(readme).toMatch(new RegExp(`\\| ${status} \\| \`${code}\` \\|`));
    }
  });

  it('documents every environment variable both apps read', () => {
    const variables = [...variablesOf(IngressEnvironment), ...variablesOf(KafkaEnvironment)];
    expect(variables.length).toBeGreaterThan(20);
    for (const name of variables) expect(readme).toContain(`\`${name}\``);
  });

  it('documents every option of the forward command', () => {
    const flags = FORWARD_OPTIONS.map((option) => /--[a-z0-9-]+/.exec(option.flags)![0]);
    const variables = FORWARD_OPTIONS.flatMap((option) => option.env ?? []);
    expect(flags.length).toBeGreaterThan(20);
    for (const flag of flags) expect(readme).toContain(`\`${flag}`);
    for (const name of variables) expect(readme).toContain(`\`${name}`);
  });
});

describe('.env.example', () => {
  it('lists every variable both apps read, and only those', () => {
    const example = readFileSync(join(__dirname, '../.env.example'), 'utf8');
    const listed = [...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    const known = new Set([
      ...variablesOf(IngressEnvironment),
      ...variablesOf(KafkaEnvironment),
      ...FORWARD_OPTIONS.flatMap((option) => option.env ?? []),
    ]);
    expect(listed.filter((name) => !known.has(name))).toEqual([]);
    expect([...known].filter((name) => !listed.includes(name))).toEqual([]);
  });
});
