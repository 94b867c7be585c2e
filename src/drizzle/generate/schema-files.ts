/**
 * Which files the drizzle config's `schema` names, in the order drizzle-kit 0.31 reads them
 * (`prepareFilenames`: each entry globbed with glob 8, matches sorted with `localeCompare(_, 'en')`,
 * a matched directory contributes its files one level deep, duplicates dropped, first one wins).
 * The order matters: it decides the order of tables in the snapshot and of statements in the SQL.
 *
 * Paths are resolved against the drizzle config's directory (drizzle-kit uses its working
 * directory, which is the same place when it is run next to its config, as usual).
 */
import { lstatSync, readdirSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { DbctlError } from '../../errors.js';

/** Absolute paths of the schema files, in drizzle-kit's order. */
export function schemaFiles(schema: string | string[] | undefined, baseDir: string): string[] {
  const patterns = typeof schema === 'string' ? [schema] : (schema ?? []);
  if (patterns.length === 0) {
    throw new DbctlError('DRIZZLE_CONFIG_INVALID', 'the drizzle config has no `schema`', {
      hint: "set `schema` in the drizzle config, e.g. schema: './src/db/schema.ts'",
    });
  }
  const files = new Set<string>();
  for (const pattern of patterns) {
    for (const match of expand(pattern, baseDir)) {
      const absolute = path.resolve(baseDir, match);
      if (!lstatSync(absolute).isDirectory()) {
        files.add(absolute);
        continue;
      }
      for (const name of readdirSync(absolute)) {
        const file = path.join(absolute, name);
        if (!lstatSync(file).isDirectory()) files.add(file);
      }
    }
  }
  if (files.size === 0) {
    throw new DbctlError(
      'DRIZZLE_CONFIG_INVALID',
      `no schema files found for the drizzle config's schema [${patterns.map((it) => `'${it}'`).join(', ')}]`,
      { hint: `paths are relative to ${baseDir}; a file path needs its extension (.ts, .js, ...)` },
    );
  }
  return [...files];
}

/** glob 8's `sync(pattern)` as drizzle-kit calls it (no options: dot files skipped), sorted like glob. */
function expand(pattern: string, cwd: string): string[] {
  const scanned = picomatch.scan(pattern);
  if (!scanned.isGlob) {
    try {
      statSync(path.resolve(cwd, pattern));
      return [pattern];
    } catch {
      return [];
    }
  }
  const base = `${scanned.prefix}${scanned.base}`;
  const baseDir = path.resolve(cwd, base || '.');
  const isMatch = picomatch(scanned.glob, { dot: false });
  const maxDepth = scanned.glob.includes('**') ? Infinity : scanned.glob.split('/').length;
  const matches: string[] = [];
  const walk = (dir: string, relative: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (isMatch(rel)) matches.push(rel);
      if (entry.isDirectory() && depth < maxDepth) walk(path.join(dir, entry.name), rel, depth + 1);
    }
  };
  walk(baseDir, '', 1);
  const joined = matches.map((rel) => (base ? `${base.replace(/\/$/, '')}/${rel}` : rel));
  return joined.sort((a, b) => a.localeCompare(b, 'en'));
}
