import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

// What deployment files (docker-compose.yml, the Helm chart) are checked against, read from the code.

const root = join(__dirname, '../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** The upper-case fields of a class the module does not export (ForwarderEnvironment). */
export function classFields(source: string, className: string): string[] {
  const body = new RegExp(`class ${className} \\{([\\s\\S]*?)\\n\\}`).exec(source)?.[1] ?? '';
  const fields = [...body.matchAll(/^\s+([A-Z][A-Z0-9_]*)\s*[?!]?\s*[:=;]/gm)].map((m) => m[1]);
  expect(fields.length).toBeGreaterThan(0);
  return fields;
}

/** Where `nest build <app>` writes the app's entry file, from nest-cli.json and its tsconfig. */
export function builtEntry(app: string): string {
  const project = (
    JSON.parse(read('nest-cli.json')) as {
      projects: Record<string, { root: string; entryFile: string; compilerOptions: { tsConfigPath: string } }>;
    }
  ).projects[app];
  const tsconfig = JSON.parse(read(project.compilerOptions.tsConfigPath)) as { compilerOptions: { outDir: string } };
  const outDir = posix.normalize(
    posix.join(posix.dirname(project.compilerOptions.tsConfigPath), tsconfig.compilerOptions.outDir),
  );
  return `${outDir}/${project.entryFile}.js`;
}
