/**
 * Temporary projects for config tests: folders under the repository's .tmp/ (so node_modules
 * resolution finds drizzle-kit) holding the files a test writes; removed by `removeProjects`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const tmpRoot = path.join(repoRoot, '.tmp');
const created: string[] = [];

/** A drizzle.config.ts as users write it, importing from drizzle-kit. */
export function drizzleConfigTs(body: string): string {
  return `import { defineConfig } from 'drizzle-kit';\nexport default defineConfig(${body});\n`;
}

/** Creates a project folder with `files` (relative path → content) and returns its path. */
export async function makeProject(files: Record<string, string>): Promise<string> {
  await mkdir(tmpRoot, { recursive: true });
  const dir = await mkdtemp(path.join(tmpRoot, 'config-test-'));
  created.push(dir);
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
  return dir;
}

/** Removes every project made by `makeProject` in this test file. */
export async function removeProjects(): Promise<void> {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}
