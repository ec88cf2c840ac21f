import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(__dirname, '..');

/** Every installed package (nested ones included) whose package.json has an install-time script. */
function packagesWithInstallScripts(dir = join(REPO, 'node_modules'), found = new Set<string>()): Set<string> {
  if (!existsSync(dir)) return found;
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('.')) continue;
    const names = entry.startsWith('@') ? readdirSync(join(dir, entry)).map((name) => `${entry}/${name}`) : [entry];
    for (const name of names) {
      const manifest = join(dir, name, 'package.json');
      if (!existsSync(manifest)) continue;
      const scripts =
        (JSON.parse(readFileSync(manifest, 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
      if (scripts.preinstall || scripts.install || scripts.postinstall) found.add(name);
      packagesWithInstallScripts(join(dir, name, 'node_modules'), found);
    }
  }
  return found;
}

describe('npm ci', () => {
  it('has a decision in allowScripts for every dependency with an install script, so npm 11 installs quietly', () => {
    const allowScripts =
      (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> })
        .allowScripts ?? {};
    const decided = new Set(Object.keys(allowScripts).map((key) => key.replace(/(.)@.*$/, '$1')));
    const withScripts = [...packagesWithInstallScripts()];
    expect(withScripts.length).toBeGreaterThan(0);
    expect(withScripts.filter((name) => !decided.has(name))).toEqual([]);
  });
});
