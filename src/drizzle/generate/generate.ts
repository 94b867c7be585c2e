/**
 * `drizzle-kit generate` for PostgreSQL, without prompts: the same steps as drizzle-kit 0.31's
 * `prepareAndMigratePg` (read the folder, serialize the schema, parse both snapshots, squash, diff,
 * write), with rename questions answered from flags (see renames.ts) and the files written
 * atomically (see write.ts) in drizzle-kit's exact format.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DbctlError } from '../../errors.js';
import { loadKit, resolveDrizzleKit } from '../kit/index.js';
import { generateWithKitV1 } from '../kit/cli-v1.js';
import { assertFolderFormat } from '../folder.js';
import { splitStatements } from '../../core/statements.js';
import { readFileSync } from 'node:fs';
import { serializeSchema } from './load-schema.js';
import { checkName, migrationTag, migrationTime, prefixMode } from './naming.js';
import { readOutFolder } from './out-folder.js';
import { diffSnapshots } from '../live/diff.js';
import { RenameAnswers } from './renames.js';
import { schemaFiles } from './schema-files.js';
import type { GenerateOptions, GenerateResult, JournalEntry, Snapshot, WrittenMigration } from './types.js';
import { folderMigration, writeAtomically, type PlannedFile } from './write.js';

/** drizzle-kit's statement separator when `breakpoints` is on. */
export const BREAKPOINT = '--> statement-breakpoint\n';
/** The text of a `--custom` migration, as drizzle-kit writes it. */
export const CUSTOM_SQL = '-- Custom SQL migration file, put your code below! --';

/**
 * Generates the next migration. Returns `migration: null` when the schema did not change (nothing
 * written). Throws AMBIGUOUS_RENAME (listing every question and its flags) when a rename question
 * has no answer, USAGE for an answer that matches no question; nothing is written then.
 */
export async function generateMigration(options: GenerateOptions): Promise<GenerateResult> {
  if (options.dialect !== 'postgresql') {
    throw new DbctlError('DRIZZLE_CONFIG_INVALID', `dbctl supports drizzle configs with dialect 'postgresql', not '${options.dialect}'`);
  }
  const mode = prefixMode(options.prefix);
  const name = checkName(options.name);
  const answers = new RenameAnswers(options.renames ?? [], options.creates ?? []);
  if (options.custom && !answers.empty) {
    throw new DbctlError('USAGE', '--rename and --create answer questions about a schema change; a --custom migration has none');
  }
  const baseDir = options.baseDir ?? path.dirname(options.configPath);
  const installed = resolveDrizzleKit(baseDir);
  assertFolderFormat(options.out, installed.line, path.relative(baseDir, options.out) || '.', installed.version);
  if (installed.line === '1.0') return await generateV1(options, installed, baseDir);
  const kit = await loadKit(baseDir);
  const folder = readOutFolder(options.out, kit);
  const prev = folder.previous;
  const id = randomUUID();
  const breakpoints = options.breakpoints ?? true;
  const now = options.now?.() ?? new Date();

  if (options.custom) {
    const { id: _id, prevId: _prevId, ...prevRest } = prev;
    const custom = { id, prevId: prev.id, ...prevRest } as Snapshot;
    const migration = await write(folder, custom, [], { mode, name, breakpoints, now, custom: true });
    return { migration, renames: [], askedFlags: [], schemaFiles: [] };
  }

  const files = schemaFiles(options.schema, baseDir);
  // drizzle-kit generate does not apply schemaFilter
  const serialized = await serializeSchema(files, kit, { casing: options.casing, loader: options.schemaLoader });
  const cur = { id, prevId: prev.id, ...serialized } as Snapshot;
  const diffAnswers = { renames: options.renames ?? [], creates: options.creates ?? [], ...(options.ask ? { ask: options.ask } : {}) };
  const { sqlStatements, renames, askedFlags } = await diffSnapshots(prev, cur, diffAnswers, 'generate', kit);
  if (sqlStatements.length === 0) return { migration: null, renames, askedFlags, schemaFiles: files };
  const migration = await write(folder, cur, sqlStatements, { mode, name, breakpoints, now, custom: false });
  return { migration, renames, askedFlags, schemaFiles: files };
}

/**
 * drizzle-kit 1.0: its own `generate` writes `<out>/<YYYYMMDDHHMMSS>_<name>/{migration.sql,
 * snapshot.json}` (see kit/cli-v1.ts); dbctl reads back what it wrote.
 */
async function generateV1(options: GenerateOptions, kit: ReturnType<typeof resolveDrizzleKit>, baseDir: string): Promise<GenerateResult> {
  // at a terminal, the questions no flag answers are asked first (kit/ask-v1.ts), their answers passed on as flags
  const asked =
    options.ask && !options.custom
      ? await (
          await import('../kit/ask-v1.js')
        ).askRenamesV1(
          kit,
          { out: options.out, schema: options.schema, baseDir, renames: options.renames ?? [], creates: options.creates ?? [] },
          options.ask,
        )
      : { renames: [], creates: [], askedFlags: [] };
  const { migrationPath, renames } = await generateWithKitV1({
    kit,
    configPath: options.configPath,
    cwd: baseDir,
    name: options.name,
    custom: options.custom,
    renames: [...(options.renames ?? []), ...asked.renames],
    creates: [...(options.creates ?? []), ...asked.creates],
  });
  if (!migrationPath) return { migration: null, renames, askedFlags: asked.askedFlags, schemaFiles: [] };
  const folder = path.dirname(migrationPath);
  const sql = readFileSync(migrationPath, 'utf8');
  return {
    migration: folderMigration(
      options.out,
      folder,
      sql,
      splitStatements(sql).map((s) => s.sql),
      options.custom === true,
    ),
    renames,
    askedFlags: asked.askedFlags,
    schemaFiles: [],
  };
}

/** drizzle-kit's `writeResult`, atomically. */
async function write(
  folder: ReturnType<typeof readOutFolder>,
  cur: Snapshot,
  statements: string[],
  how: { mode: ReturnType<typeof prefixMode>; name: string | undefined; breakpoints: boolean; now: Date; custom: boolean },
): Promise<WrittenMigration> {
  const journal = folder.journal;
  const last = journal.entries[journal.entries.length - 1];
  const idx = last === undefined ? 0 : last.idx + 1;
  const now = migrationTime(how.now, last?.when, how.mode);
  const { prefix, tag } = migrationTag(idx, how.mode, how.name, now);
  const toSave = JSON.parse(JSON.stringify(cur)) as Record<string, unknown>;
  toSave._meta = { columns: {}, schemas: {}, tables: {} };
  const sql = how.custom ? CUSTOM_SQL : statements.join(how.breakpoints ? BREAKPOINT : '\n');
  const entry: JournalEntry = { idx, version: cur.version, when: now.getTime(), tag, breakpoints: how.breakpoints };
  const nextJournal = { ...journal, entries: [...journal.entries, entry] };
  const sqlPath = path.join(folder.out, `${tag}.sql`);
  const snapshotPath = path.join(folder.metaDir, `${prefix}_snapshot.json`);
  const planned: PlannedFile[] = [
    { path: sqlPath, content: sql, replace: false },
    { path: snapshotPath, content: JSON.stringify(toSave, null, 2), replace: how.mode === 'none' },
    { path: folder.journalPath, content: JSON.stringify(nextJournal, null, 2), replace: true },
  ];
  await writeAtomically(planned);
  return { tag, idx, sqlPath, snapshotPath, journalPath: folder.journalPath, sql, statements, custom: how.custom };
}
