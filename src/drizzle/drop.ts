/**
 * Removing unapplied migrations from a drizzle migrations folder, as `drizzle-kit drop` does: the
 * SQL file, the journal entry and the snapshot of each (0.31's journal format), or the migration's
 * own folder (1.0's format). The journal is rewritten first (atomically), so an interruption leaves
 * at most an orphan file that `dbctl check` names, never a journal entry without its file.
 */
import { existsSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DbctlError } from '../errors.js';
import type { MigrationFolder } from './folder.js';

/** What dropping would remove. */
export interface DropPlan {
  /** Tags removed, oldest first. */
  tags: string[];
  /** Absolute paths of the files removed. */
  files: string[];
}

/**
 * The newest migration, or `tag` (its full tag or its prefix before `_`) and every one after it.
 * @throws DbctlError USAGE for an unknown tag or an empty folder; MIGRATIONS_FOLDER_INVALID with
 *   prefix `none` (drizzle keeps one snapshot there, so the previous one cannot be restored).
 */
export function planDrop(folder: MigrationFolder, tag: string | undefined, prefix: string): DropPlan {
  const migrations = folder.migrations;
  if (migrations.length === 0)
    throw new DbctlError('USAGE', 'there is no migration to drop', { hint: '`dbctl status` lists the migrations' });
  let from = migrations.length - 1;
  if (tag !== undefined) {
    from = migrations.findIndex((m) => m.tag === tag || m.tag.startsWith(`${tag}_`));
    if (from === -1) {
      throw new DbctlError('USAGE', `no migration ${tag} in ${path.basename(folder.dir)}`, {
        hint: `the newest is ${migrations.at(-1)!.tag}; \`dbctl status\` lists them all`,
      });
    }
  }
  if (prefix === 'none' && folder.format !== 'folders') {
    throw new DbctlError(
      'MIGRATIONS_FOLDER_INVALID',
      'with migrations.prefix "none" drizzle keeps a single snapshot, so dropping a migration cannot restore the one before it',
      {
        hint: 'delete the migration by hand and regenerate, or switch the drizzle config to prefix "index"',
      },
    );
  }
  const dropped = migrations.slice(from);
  const files: string[] = [];
  for (const m of dropped) {
    if (folder.format === 'folders') {
      files.push(path.dirname(m.file)); // <out>/<tag>/ with migration.sql and snapshot.json
      continue;
    }
    files.push(m.file);
    const snapshot = path.join(folder.dir, 'meta', `${m.tag.split('_')[0]}_snapshot.json`);
    if (existsSync(snapshot)) files.push(snapshot);
  }
  return { tags: dropped.map((m) => m.tag), files };
}

/** Rewrites the journal without the dropped entries, then removes their files (1.0: their folders). */
export async function applyDrop(folder: MigrationFolder, plan: DropPlan): Promise<void> {
  if (folder.format === 'folders') {
    for (const dir of plan.files) await rm(dir, { recursive: true, force: true });
    return;
  }
  const gone = new Set(plan.tags);
  const journal = { ...folder.journal, entries: folder.journal.entries.filter((e) => !gone.has(e.tag)) };
  const temporary = `${folder.journalPath}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(journal, null, 2)}`);
  await rename(temporary, folder.journalPath);
  for (const file of plan.files) await rm(file, { force: true });
}
