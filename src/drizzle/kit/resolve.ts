/**
 * Where drizzle-kit is installed and which line it is (read from its own package.json). Its own
 * module, importing nothing of dbctl's drizzle code, so the folder reader can ask for the line
 * without depending on the loader of drizzle-kit's internals.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DbctlError } from '../../errors.js';
import { kitLine, SUPPORTED_KITS, type KitLine } from './versions.js';

/** The installed drizzle-kit: its package directory, version and line. */
export interface InstalledKit {
  packageDir: string;
  version: string;
  line: KitLine;
}

/**
 * Where drizzle-kit is installed (resolved from the project first, then from dbctl itself), with
 * its version read from its own package.json. Exit 2 when it is missing or outside the lines dbctl
 * supports, saying which versions work.
 */
export function resolveDrizzleKit(fromDir: string): InstalledKit {
  const candidates = [path.join(fromDir, 'noop.js'), fileURLToPath(import.meta.url)];
  for (const from of candidates) {
    let packageDir: string | undefined;
    try {
      packageDir = packageDirOf(createRequire(from).resolve('drizzle-kit'));
    } catch {
      continue; // try the next place
    }
    if (!packageDir) continue;
    const cached = installed.get(packageDir);
    if (cached) return cached;
    const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
    const line = kitLine(String(version));
    if (!line) {
      throw new DbctlError('DRIZZLE_CONFIG_INVALID', `dbctl does not support drizzle-kit ${version}; it works with ${SUPPORTED_KITS}`, {
        hint: 'install a supported one: npm install -D drizzle-kit@0.31 drizzle-orm@0.45 (or drizzle-kit@1.0.0-rc.5 drizzle-orm@1.0.0-rc.5)',
      });
    }
    const found = { packageDir, version: String(version), line };
    installed.set(packageDir, found);
    return found;
  }
  throw new DbctlError('DRIZZLE_CONFIG_INVALID', `drizzle-kit is not installed where ${fromDir} can find it`, {
    hint: 'install it next to drizzle-orm: npm install -D drizzle-kit',
  });
}

const installed = new Map<string, InstalledKit>();

/** The directory of the drizzle-kit package a resolved entry file belongs to. */
function packageDirOf(entry: string): string | undefined {
  for (let dir = path.dirname(entry); ; dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (manifest.name === 'drizzle-kit') return dir;
    } catch {
      // no package.json here
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}
