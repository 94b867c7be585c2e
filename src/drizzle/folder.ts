/**
 * The drizzle migrations folder: `meta/_journal.json`, `<tag>.sql` files and `meta/NNNN_snapshot.json`.
 * Read exactly as drizzle-orm reads it (same statement split, same sha256 over the file text), and
 * validated so an inconsistent folder is a clear exit-2 error instead of a silent skip.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { DbctlError } from '../errors.js';
import { splitStatements, type MigrationStatement } from '../core/statements.js';

/** One entry of drizzle's `meta/_journal.json`. */
export interface JournalEntry {
  idx: number;
  version: string;
  when: number;
  tag: string;
  breakpoints: boolean;
}

/** drizzle's journal file. */
export interface Journal {
  version: string;
  dialect: string;
  entries: JournalEntry[];
}

/** A migration on disk, with what drizzle would record for it. */
export interface LocalMigration {
  idx: number;
  tag: string;
  /** Journal `when`; drizzle stores it as `created_at`. */
  when: number;
  breakpoints: boolean;
  /** Absolute path of the SQL file. */
  file: string;
  /** Path relative to the project, for messages. */
  relativeFile: string;
  /** The file text as drizzle reads it (UTF-8). */
  text: string;
  /** sha256 hex of the file text, exactly drizzle-orm's `hash`. */
  hash: string;
  statements: MigrationStatement[];
}

/** The whole folder. */
export interface MigrationFolder {
  dir: string;
  journalPath: string;
  journal: Journal;
  migrations: LocalMigration[];
}

/** drizzle-orm's hash: sha256 over the file read as UTF-8 text (CRLF and BOM kept as they are). */
export function drizzleHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Reads and validates the migrations folder. `projectDir` only shapes relative paths in messages.
 * Throws MIGRATIONS_FOLDER_INVALID (exit 2) for a missing or corrupt journal, a missing SQL file,
 * or duplicate idx, tag or `when`.
 */
export async function readMigrationFolder(dir: string, projectDir: string): Promise<MigrationFolder> {
  const rel = (p: string) => path.relative(projectDir, p) || '.';
  const journalPath = path.join(dir, 'meta', '_journal.json');
  let raw: string;
  try {
    raw = await readFile(journalPath, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new DbctlError(
      'MIGRATIONS_FOLDER_INVALID',
      missing ? `no migrations journal at ${rel(journalPath)}` : `cannot read ${rel(journalPath)}: ${(error as Error).message}`,
      { hint: missing ? 'run `dbctl generate` to create the first migration, or set `out` in the drizzle config' : undefined },
    );
  }
  const journal = parseJournal(raw, rel(journalPath));
  const problems: string[] = [];
  const seen = { idx: new Map<number, string>(), tag: new Set<string>(), when: new Map<number, string>() };
  for (const entry of journal.entries) {
    if (seen.idx.has(entry.idx)) problems.push(`${entry.tag} and ${seen.idx.get(entry.idx)} share idx ${entry.idx}`);
    if (seen.tag.has(entry.tag)) problems.push(`tag ${entry.tag} appears twice`);
    if (seen.when.has(entry.when)) problems.push(`${entry.tag} and ${seen.when.get(entry.when)} share the timestamp ${entry.when}`);
    seen.idx.set(entry.idx, entry.tag);
    seen.tag.add(entry.tag);
    seen.when.set(entry.when, entry.tag);
  }
  // Read one after another, synchronously: for a few hundred small files that is several times
  // faster than as many concurrent promise reads (each one four thread-pool round trips).
  const migrations = journal.entries.map((entry): LocalMigration | null => {
    const file = path.join(dir, `${entry.tag}.sql`);
    let text: string;
    try {
      text = readFileSync(file).toString();
    } catch {
      problems.push(`journal entry ${entry.tag} has no SQL file ${rel(file)}`);
      return null;
    }
    return {
      idx: entry.idx,
      tag: entry.tag,
      when: entry.when,
      breakpoints: entry.breakpoints,
      file,
      relativeFile: rel(file),
      text,
      hash: drizzleHash(text),
      statements: splitStatements(text),
    };
  });
  if (problems.length > 0) {
    throw new DbctlError(
      'MIGRATIONS_FOLDER_INVALID',
      `the migrations folder ${rel(dir)} is inconsistent (${problems.length} problem${problems.length === 1 ? '' : 's'})`,
      {
        details: problems.map((p) => `  - ${p}`),
        hint: problems.every((p) => p.startsWith('journal entry '))
          ? `restore the missing SQL file${problems.length === 1 ? '' : 's'} from git (\`git checkout -- ${rel(dir)}\`), or remove ${problems.length === 1 ? 'its journal entry' : 'their journal entries'} if ${problems.length === 1 ? 'it was' : 'they were'} never applied anywhere`
          : 'two branches generated migrations with the same idx or timestamp: keep the one already merged, delete the other (SQL file, journal entry, snapshot) and run `dbctl generate` to regenerate it on top',
      },
    );
  }
  return { dir, journalPath, journal, migrations: migrations.filter((m): m is LocalMigration => m !== null) };
}

/** Parses and shape-checks the journal text. */
function parseJournal(raw: string, label: string): Journal {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (error) {
    throw new DbctlError('MIGRATIONS_FOLDER_INVALID', `${label} is not valid JSON: ${(error as Error).message}`, {
      hint: 'restore it from git (`git checkout -- ' + label + '`) or resolve the merge conflict in it',
    });
  }
  const entries = (data as { entries?: unknown })?.entries;
  if (!Array.isArray(entries)) {
    throw new DbctlError('MIGRATIONS_FOLDER_INVALID', `${label} has no "entries" array`, { hint: 'restore it from git' });
  }
  const bad = entries.findIndex(
    (e) =>
      typeof e !== 'object' || e === null ||
      typeof (e as JournalEntry).tag !== 'string' ||
      typeof (e as JournalEntry).when !== 'number' ||
      typeof (e as JournalEntry).idx !== 'number',
  );
  if (bad !== -1) {
    throw new DbctlError('MIGRATIONS_FOLDER_INVALID', `${label}: entry ${bad} lacks a string "tag", a numeric "idx" or "when"`, {
      hint: 'restore it from git',
    });
  }
  const journal = data as Journal;
  return { version: String(journal.version ?? '7'), dialect: String(journal.dialect ?? 'postgresql'), entries: entries as JournalEntry[] };
}

/** Lists snapshot files (`meta/NNNN_snapshot.json`) present in the folder, sorted. */
export async function listSnapshots(dir: string): Promise<string[]> {
  try {
    return (await readdir(path.join(dir, 'meta'))).filter((f) => f.endsWith('_snapshot.json')).sort();
  } catch {
    return [];
  }
}
