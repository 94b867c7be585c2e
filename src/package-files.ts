/**
 * Files shipped with dbctl (package.json, templates/), found from wherever this code runs: `src/`
 * under tsx, `dist/` as compiled by tsc, or the bundled CLI's chunks. Walks up from this module to
 * the directory holding dbctl's own package.json, so no caller depends on its depth in the tree.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let found: { root: string; manifest: { name?: string; version?: string } } | undefined;

function locate(): NonNullable<typeof found> {
  if (found) return found;
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'dbctl') return (found = { root: dir, manifest });
    }
    // internal assertion (a caller's bug, never a user's input): a plain Error
    if (path.dirname(dir) === dir) throw new Error(`dbctl's package.json was not found above ${fileURLToPath(import.meta.url)}`);
  }
}

/** The dbctl package's root directory. */
export function packageRoot(): string {
  return locate().root;
}

/** dbctl's own package.json, as read when the package root was found (read once per process). */
export function packageManifest(): { name?: string; version?: string } {
  return locate().manifest;
}

/** A path inside the dbctl package, e.g. `packageFile('templates')`. */
export function packageFile(...segments: string[]): string {
  return path.join(packageRoot(), ...segments);
}
