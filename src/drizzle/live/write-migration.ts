/**
 * Writes a migration computed outside `generate` (a fix or a revert) exactly as `drizzle-kit
 * generate` writes one: the SQL joined with its breakpoints, the snapshot with a fresh id chained
 * to the newest one, the journal entry; the tag named per `migrations.prefix`. All or nothing
 * (see ../generate/write.ts).
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { DrizzleSettings } from '../../config/types.js';
import { BREAKPOINT } from '../generate/generate.js';
import { loadKit, resolveDrizzleKit } from '../kit/index.js';
import { checkName, migrationTag, prefixMode } from '../generate/naming.js';
import { readOutFolder } from '../generate/out-folder.js';
import type { JournalEntry, WrittenMigration } from '../generate/types.js';
import { writeAtomically, type PlannedFile } from '../generate/write.js';

/** What to write. */
export interface MigrationToWrite {
  /** The schema after the migration: a snapshot body (its own id and prevId are replaced). */
  snapshot: Record<string, unknown>;
  statements: string[];
  /** `--name`; default drizzle-kit's random `<adjective>_<hero>`. */
  name?: string | undefined;
  /** Clock (tests). */
  now?: Date;
}

/** Writes the migration after the newest one in the folder. */
export async function writeMigration(settings: DrizzleSettings, migration: MigrationToWrite): Promise<WrittenMigration> {
  const kit = await loadKit(settings.baseDir);
  const mode = prefixMode(settings.prefix);
  const name = checkName(migration.name);
  const folder = readOutFolder(settings.out, kit);
  const now = migration.now ?? new Date();
  const { id: _id, prevId: _prevId, ...body } = migration.snapshot;
  const snapshot: Record<string, unknown> = { id: randomUUID(), prevId: folder.previous.id, ...JSON.parse(JSON.stringify(body)) };
  snapshot._meta = { columns: {}, schemas: {}, tables: {} };
  const journal = folder.journal;
  const last = journal.entries[journal.entries.length - 1];
  const idx = last === undefined ? 0 : last.idx + 1;
  const { prefix, tag } = migrationTag(idx, mode, name, now);
  const sql = migration.statements.join(settings.breakpoints ? BREAKPOINT : '\n');
  const version = String(snapshot.version ?? kit.snapshotVersion);
  const entry: JournalEntry = { idx, version, when: now.getTime(), tag, breakpoints: settings.breakpoints };
  const sqlPath = path.join(folder.out, `${tag}.sql`);
  const snapshotPath = path.join(folder.metaDir, `${prefix}_snapshot.json`);
  const planned: PlannedFile[] = [
    { path: sqlPath, content: sql, replace: false },
    { path: snapshotPath, content: JSON.stringify(snapshot, null, 2), replace: mode === 'none' },
    { path: folder.journalPath, content: JSON.stringify({ ...journal, entries: [...journal.entries, entry] }, null, 2), replace: true },
  ];
  await writeAtomically(planned);
  return { tag, idx, sqlPath, snapshotPath, journalPath: folder.journalPath, sql, statements: migration.statements, custom: false };
}

/**
 * Writes `statements` as the next migration with the migrations' schema unchanged (a fix: its
 * snapshot is the newest one), in the installed drizzle-kit's format: a journal entry and
 * `meta/<prefix>_snapshot.json` on 0.31, a `<timestamp>_<name>/` folder on 1.0.
 */
export async function writeUnchangedSchemaMigration(
  settings: DrizzleSettings,
  statements: string[],
  name: string,
): Promise<WrittenMigration> {
  const installed = resolveDrizzleKit(settings.baseDir);
  if (installed.line === '1.0')
    return await (await import('../kit/write-v1.js')).writeUnchangedSchemaMigrationV1(installed, settings, statements, name);
  const { newestSnapshot } = await import('./code.js');
  const snapshot = (await newestSnapshot(settings)) as Record<string, unknown>;
  return await writeMigration(settings, { snapshot, statements, name });
}
