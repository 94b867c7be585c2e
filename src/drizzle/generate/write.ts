/**
 * Writes a migration's three files (SQL, snapshot, journal) all or nothing: each is written to a
 * temporary file beside its target first, then renamed into place, the journal last. If anything
 * fails, files already moved are removed again, temporaries are deleted, and directories this
 * write created are removed, so the folder is left as it was.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DbctlError } from '../../errors.js';
import type { WrittenMigration } from './types.js';

/** One file to put in place. */
export interface PlannedFile {
  path: string;
  content: string;
  /** May replace an existing file (the journal; drizzle-kit's `_snapshot.json` in `none` mode). */
  replace: boolean;
}

/** Puts every file in place, in order, or none of them. */
export async function writeAtomically(files: PlannedFile[]): Promise<void> {
  for (const file of files) {
    if (!file.replace && existsSync(file.path)) {
      throw new DbctlError('MIGRATIONS_FOLDER_INVALID', `${file.path} already exists; dbctl does not overwrite a migration`, {
        hint: 'choose another --name, or remove the stale file',
      });
    }
  }
  const createdDirs: string[] = [];
  const temporaries = new Map<string, string>();
  const moved: string[] = [];
  try {
    for (const file of files) {
      const dir = path.dirname(file.path);
      const first = await mkdir(dir, { recursive: true });
      if (first !== undefined) createdDirs.push(...chain(first, dir));
      const temp = path.join(dir, `.${path.basename(file.path)}.dbctl-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
      temporaries.set(file.path, temp);
      await writeFile(temp, file.content, { encoding: 'utf8', flag: 'wx' });
    }
    for (const file of files) {
      await rename(temporaries.get(file.path)!, file.path);
      if (!file.replace) moved.push(file.path);
    }
  } catch (error) {
    await Promise.all(moved.map((it) => rm(it, { force: true })));
    await Promise.all([...temporaries.values()].map((it) => rm(it, { force: true })));
    for (const dir of createdDirs.reverse()) await rmdir(dir).catch(() => undefined);
    if (error instanceof DbctlError) throw error;
    throw new DbctlError('OPERATION_FAILED', `could not write the migration: ${error instanceof Error ? error.message : String(error)}`, {
      hint: 'nothing was written; check the permissions of the migrations folder',
      cause: error,
    });
  } finally {
    await Promise.all([...temporaries.values()].map((it) => rm(it, { force: true })));
  }
}

/** The directories from `first` (the outermost one mkdir created) down to `dir`. */
function chain(first: string, dir: string): string[] {
  const dirs: string[] = [];
  for (let current = dir; current.length >= first.length; current = path.dirname(current)) {
    dirs.unshift(current);
    if (current === first || current === path.dirname(current)) break;
  }
  return dirs;
}

/**
 * The migration just written in 1.0's folder format (`<out>/<tag>/migration.sql` + `snapshot.json`),
 * as generate reports it: its place among the folders and the SQL of the earlier ones.
 */
export function folderMigration(
  out: string,
  folder: string,
  sql: string,
  statements: readonly string[],
  custom: boolean,
): WrittenMigration {
  const tag = path.basename(folder);
  const tags = readdirSync(out)
    .filter((entry) => existsSync(path.join(out, entry, 'migration.sql')))
    .sort((a, b) => a.localeCompare(b));
  const earlier = tags.filter((t) => t !== tag).map((t) => ({ tag: t, sql: readFileSync(path.join(out, t, 'migration.sql'), 'utf8') }));
  return {
    tag,
    idx: tags.indexOf(tag),
    sqlPath: path.join(folder, 'migration.sql'),
    snapshotPath: path.join(folder, 'snapshot.json'),
    journalPath: '',
    sql,
    statements: [...statements],
    custom,
    earlier,
  };
}
