/**
 * The CLI bundle's V8 code cache on Node 20 (bin/code-cache.cjs): entries named by the SHA-256 of
 * the source they were made from (by a run after the one that made the directory), used as they are
 * by a warm run (none rejected and made again), the same output with the cache cold, warm, corrupt or
 * turned off, and a corrupt entry replaced by a good one.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runDbctl } from '../support/cli.js';
import { testProject } from '../support/project.js';

const nodeHasItsOwn =
  typeof (createRequire(import.meta.url)('node:module') as { enableCompileCache?: unknown }).enableCompileCache === 'function';
const version = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const cacheDir = path.join(repoRoot, 'node_modules', '.cache', 'dbctl', `code-${version}`);
const cliSource = path.join(repoRoot, 'dist', 'bundle', 'cli.cjs');
const cliEntry = () =>
  path.join(cacheDir, `cli-${createHash('sha256').update(readFileSync(cliSource, 'utf8')).digest('hex').slice(0, 24)}.bin`);

describe.skipIf(nodeHasItsOwn)('the CLI bundle compiled with V8 code cache (Node 20)', () => {
  it('stores an entry per bundle file named by its source, and prints the same cold, warm, corrupt and off', async () => {
    const project = await testProject('postgres://unused@127.0.0.1:1/none');
    await project.addMigration({ name: 'users', sql: ['CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" text)'] });
    await project.addMigration({ name: 'index', sql: ['CREATE INDEX "users_email" ON "users" ("email")'] });
    const review = (env: Record<string, string> = {}) =>
      runDbctl(['review', '--all'], { cwd: project.dir, env: { NO_COLOR: '1', ...env } });

    const off = await review({ NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(off.code, off.stderr).toBe(1); // the index is not built concurrently: an error finding
    const first = await review(); // makes the directory if there is none (a first run makes no entries)
    const second = await review(); // makes the entries
    expect(existsSync(cliEntry())).toBe(true);
    const entries = readdirSync(cacheDir);
    expect(entries.every((name) => /^[\w-]+-[0-9a-f]{24}\.bin$/.test(name))).toBe(true);
    // a warm run uses every entry as it is: none rejected (made under other V8 flags) and made again
    const past = new Date('2000-01-01T00:00:00Z');
    for (const name of entries) utimesSync(path.join(cacheDir, name), past, past);
    const warm = await review();
    const rewritten = readdirSync(cacheDir).filter((name) => statSync(path.join(cacheDir, name)).mtimeMs !== past.getTime());
    expect(rewritten).toEqual([]);

    writeFileSync(cliEntry(), 'not V8 code');
    const corrupt = await review();
    expect(readFileSync(cliEntry()).toString()).not.toBe('not V8 code'); // made again at exit

    for (const run of [first, second, warm, corrupt]) {
      expect(run.code).toBe(off.code);
      expect(run.stdout).toBe(off.stdout);
      expect(run.stderr).toBe(off.stderr);
    }
  }, 60_000);
});
