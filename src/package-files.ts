/**
 * Files shipped with dbctl (package.json, templates/), found from wherever this code runs: `src/`
 * under tsx, `dist/` as compiled by tsc, or the bundled CLI's chunks. Walks up from this module to
 * the directory holding dbctl's own package.json, so no caller depends on its depth in the tree.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The dbctl package's root directory. */
export function packageRoot(): string {
  if (root) return root;
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'dbctl') return (root = dir);
    if (path.dirname(dir) === dir) throw new Error(`dbctl's package.json was not found above ${fileURLToPath(import.meta.url)}`);
  }
}

/** A path inside the dbctl package, e.g. `packageFile('templates')`. */
export function packageFile(...segments: string[]): string {
  return path.join(packageRoot(), ...segments);
}
