import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

// What deployment files (docker-compose.yml, the Helm chart) are checked against, read from the code.

const root = join(__dirname, '../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

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
