/** Where dbctl keeps what it may reuse between runs (parse results, config transforms). */
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * `node_modules/.cache/dbctl` in the nearest `node_modules` at or above `from` (trusted as the code
 * installed there is); null when there is none.
 */
export function cacheRoot(from: string): string | null {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const modules = path.join(dir, 'node_modules');
    if (existsSync(modules)) return path.join(modules, '.cache', 'dbctl');
    if (path.dirname(dir) === dir) return null;
  }
}
