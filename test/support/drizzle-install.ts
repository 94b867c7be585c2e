/**
 * drizzle-kit and drizzle-orm versions installed from the npm registry into a cache outside the
 * repository (`$TMPDIR/dbctl-test-drizzle/<kit>-orm<orm>/`), kept between runs: the test files that
 * run dbctl on a real drizzle line share one install per line.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The folder every cached install (and the projects beside them) lives in. */
export const drizzleCacheRoot = path.join(tmpdir(), 'dbctl-test-drizzle');

/** A drizzle line to install: drizzle-kit's version, drizzle-orm's, and extra packages. */
export interface DrizzleLine {
  kit: string;
  orm: string;
  extra?: readonly string[];
}

/** The cache folder of a line (its `node_modules` holds drizzle-kit and drizzle-orm). */
export function drizzleCacheDir(line: DrizzleLine): string {
  return path.join(drizzleCacheRoot, `${line.kit}-orm${line.orm}`);
}

/** Installs a line into its cache folder unless a finished install is there; returns the folder. */
export async function installDrizzle(line: DrizzleLine): Promise<string> {
  const dir = drizzleCacheDir(line);
  const ready = path.join(dir, '.dbctl-ready');
  if (existsSync(ready)) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'dbctl-drizzle-cache', private: true }));
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--prefix',
      dir,
      `drizzle-kit@${line.kit}`,
      `drizzle-orm@${line.orm}`,
      ...(line.extra ?? []),
    ],
    { cwd: dir, timeout: 240_000, env: { ...process.env, npm_config_loglevel: 'error' } },
  );
  writeFileSync(ready, new Date().toISOString());
  return dir;
}
