/**
 * The drizzle migrations folder, in either format:
 * - drizzle-kit 0.31's journal: `meta/_journal.json`, `<tag>.sql` files and `meta/NNNN_snapshot.json`;
 * - drizzle-kit 1.0's folder per migration: `<YYYYMMDDHHMMSS>_<name>/migration.sql` and
 *   `snapshot.json`, no journal; the tag is the folder name.
 * Read exactly as drizzle-orm (0.44-0.45 or 1.0) reads it (same statement split, same sha256 over the
 * file text, 1.0's `created_at` from the folder name), and validated so an inconsistent folder is a
 * clear exit-2 error instead of a silent skip. The format must be the installed drizzle-kit's: a
 * folder in the other one is exit 2 naming `drizzle-kit up`.
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
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
  /** The statements, split on first read (a run with nothing pending never splits the folder). */
  statements: MigrationStatement[];
}

/** `migration` with its `statements` split from its text when first read, then kept. */
function splitWhenRead(migration: Omit<LocalMigration, 'statements'>): LocalMigration {
  let statements: MigrationStatement[] | undefined;
  return Object.defineProperty(migration, 'statements', {
    get: () => (statements ??= splitStatements(migration.text)),
    set: (value: MigrationStatement[]) => (statements = value),
    enumerable: true,
    configurable: true,
  }) as LocalMigration;
}

/** The two folder formats: 0.31's journal, 1.0's folder per migration. */
export type FolderFormat = 'journal' | 'folders';

/** The whole folder. */
export interface MigrationFolder {
  dir: string;
  /** Absent (`folders`): 1.0 keeps no journal; `journalPath` is then the folder itself. */
  format?: FolderFormat;
  journalPath: string;
  journal: Journal;
  migrations: LocalMigration[];
  /**
   * `.sql` files in a journal folder that the journal does not list (relative to the project):
   * neither drizzle-kit nor dbctl applies them (a hand-written file never added, an entry lost in a
   * merge). `dbctl check` fails on them; status and migrate name them.
   */
  unlisted?: string[];
}

/**
 * The format of the folder on disk: `journal` when `meta/_journal.json` exists, `folders` when a
 * subfolder holds a `migration.sql`, `empty` otherwise (no migration yet, or no folder).
 */
export function folderFormatOnDisk(dir: string): FolderFormat | 'empty' {
  if (existsSync(path.join(dir, 'meta', '_journal.json'))) return 'journal';
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 'empty';
  }
  return names.some((name) => existsSync(path.join(dir, name, 'migration.sql'))) ? 'folders' : 'empty';
}

/** The folder format a drizzle-kit line writes. */
export function formatOfLine(line: '0.31' | '1.0'): FolderFormat {
  return line === '1.0' ? 'folders' : 'journal';
}

/**
 * Exit 2 when the folder on disk is in the other format than the installed drizzle-kit's (`line`,
 * null when drizzle-kit is not installed: then the folder's own format is used, as drizzle-orm's
 * migrator does). Returns the format to read.
 */
export function assertFolderFormat(dir: string, line: '0.31' | '1.0' | null, label: string, kitVersion?: string): FolderFormat {
  const onDisk = folderFormatOnDisk(dir);
  if (line === null) return onDisk === 'empty' ? 'journal' : onDisk;
  const expected = formatOfLine(line);
  if (onDisk === 'empty' || onDisk === expected) return expected;
  if (onDisk === 'journal') {
    throw new DbctlError(
      'MIGRATIONS_FOLDER_INVALID',
      `${label} is in drizzle-kit 0.31's journal format (meta/_journal.json), but drizzle-kit ${kitVersion ?? line} is installed, which reads a folder per migration`,
      { hint: 'convert it with `npx drizzle-kit up` (then commit the result), or install drizzle-kit 0.31' },
    );
  }
  throw new DbctlError(
    'MIGRATIONS_FOLDER_INVALID',
    `${label} is in drizzle-kit 1.0's format (a folder per migration), but drizzle-kit ${kitVersion ?? line} is installed, which reads meta/_journal.json`,
    {
      hint: 'install drizzle-kit 1.0 (npm install -D drizzle-kit@1.0.0-rc.5 drizzle-orm@1.0.0-rc.5), whose `drizzle-kit up` wrote this format',
    },
  );
}

/** drizzle-orm 1.0's `formatToMillis`: the folder name's leading `YYYYMMDDHHMMSS` as UTC milliseconds. */
export function folderMillis(name: string): number {
  const d = name.slice(0, 14);
  const n = (from: number, to: number) => Number.parseInt(d.slice(from, to), 10);
  return Date.UTC(n(0, 4), n(4, 6) - 1, n(6, 8), n(8, 10), n(10, 12), n(12, 14));
}

/** drizzle-kit 1.0's folder names: `<YYYYMMDDHHMMSS>_<name>`. */
const FOLDER_NAME = /^\d{14}(_|$)/;

/**
 * Reads a drizzle-kit 1.0 folder as drizzle-orm 1.0's `readMigrationFiles` does: every subfolder
 * holding a `migration.sql`, sorted by name (`localeCompare`); `created_at` from the name's
 * timestamp. A subfolder whose name does not start with a timestamp is an error (drizzle-orm would
 * record a NaN time for it).
 */
function readFolders(dir: string, projectDir: string): MigrationFolder {
  const rel = (p: string) => path.relative(projectDir, p) || '.';
  const names = readdirSync(dir)
    .filter((name) => existsSync(path.join(dir, name, 'migration.sql')))
    .sort((a, b) => a.localeCompare(b));
  const problems = names
    .filter((name) => !FOLDER_NAME.test(name))
    .map((name) => `${name}/ does not start with a YYYYMMDDHHMMSS timestamp (drizzle-kit 1.0 names folders <timestamp>_<name>)`);
  if (problems.length > 0) {
    throw new DbctlError(
      'MIGRATIONS_FOLDER_INVALID',
      `the migrations folder ${rel(dir)} is inconsistent (${problems.length} problem${problems.length === 1 ? '' : 's'})`,
      {
        details: problems.map((p) => `  - ${p}`),
        hint: "rename the folder to drizzle-kit 1.0's <YYYYMMDDHHMMSS>_<name>, or regenerate it with `dbctl generate`",
      },
    );
  }
  const migrations = names.map((tag, idx): LocalMigration => {
    const file = path.join(dir, tag, 'migration.sql');
    const text = readFileSync(file).toString();
    return splitWhenRead({
      idx,
      tag,
      when: folderMillis(tag),
      breakpoints: true,
      file,
      relativeFile: rel(file),
      text,
      hash: drizzleHash(text),
    });
  });
  const journal: Journal = {
    version: '9',
    dialect: 'postgresql',
    entries: migrations.map((m) => ({ idx: m.idx, version: '9', when: m.when, tag: m.tag, breakpoints: true })),
  };
  return { dir, format: 'folders', journalPath: dir, journal, migrations };
}

/** The installed drizzle-kit's line, or null when none is installed where `dir` can find it. */
async function installedLine(dir: string): Promise<{ line: '0.31' | '1.0'; version: string } | null> {
  const { resolveDrizzleKit } = await import('./kit/resolve.js');
  try {
    const kit = resolveDrizzleKit(dir);
    return { line: kit.line, version: kit.version };
  } catch {
    return null; // not installed (a production image), or a version generate will refuse
  }
}

/** drizzle-orm's hash: sha256 over the file read as UTF-8 text (CRLF and BOM kept as they are). */
export function drizzleHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Reads and validates the migrations folder. `projectDir` shapes relative paths in messages and is
 * where the installed drizzle-kit is found, as `npx drizzle-kit` run there finds it (the drizzle
 * config there has just resolved it: Node answers again from its cache).
 * Throws MIGRATIONS_FOLDER_INVALID (exit 2) for a missing or corrupt journal, a missing SQL file,
 * or duplicate idx, tag or `when`.
 */
export async function readMigrationFolder(dir: string, projectDir: string): Promise<MigrationFolder> {
  const rel = (p: string) => path.relative(projectDir, p) || '.';
  const kit = await installedLine(projectDir);
  const format = assertFolderFormat(dir, kit?.line ?? null, rel(dir), kit?.version);
  if (format === 'folders') {
    if (!existsSync(dir)) {
      throw new DbctlError('MIGRATIONS_FOLDER_INVALID', `no migrations folder at ${rel(dir)}`, {
        hint: 'run `dbctl generate` to create the first migration, or set `out` in the drizzle config',
      });
    }
    try {
      return readFolders(dir, projectDir);
    } catch (error) {
      if (error instanceof DbctlError) throw error;
      throw new DbctlError('MIGRATIONS_FOLDER_INVALID', `cannot read ${rel(dir)}: ${(error as Error).message}`, {
        hint: 'run `dbctl generate` to create the first migration, or set `out` in the drizzle config',
      });
    }
  }
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
  const relativeDir = rel(dir);
  const migrations = journal.entries.map((entry): LocalMigration | null => {
    const file = path.join(dir, `${entry.tag}.sql`);
    let text: string;
    let hash: string;
    try {
      const bytes = readFileSync(file);
      text = bytes.toString();
      // the same digest as over the text when the file is valid UTF-8, without a second encoded copy
      hash = isUtf8(bytes) ? createHash('sha256').update(bytes).digest('hex') : drizzleHash(text);
    } catch {
      problems.push(`journal entry ${entry.tag} has no SQL file ${rel(file)}`);
      return null;
    }
    return splitWhenRead({
      idx: entry.idx,
      tag: entry.tag,
      when: entry.when,
      breakpoints: entry.breakpoints,
      file,
      relativeFile: path.join(relativeDir, `${entry.tag}.sql`),
      text,
      hash,
    });
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
  const listed = new Set(journal.entries.map((entry) => `${entry.tag}.sql`));
  const unlisted = readdirSync(dir)
    .filter((name) => name.endsWith('.sql') && !listed.has(name))
    .sort()
    .map((name) => path.join(relativeDir, name));
  return {
    dir,
    format: 'journal',
    journalPath,
    journal,
    migrations: migrations.filter((m): m is LocalMigration => m !== null),
    ...(unlisted.length > 0 ? { unlisted } : {}),
  };
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
      typeof e !== 'object' ||
      e === null ||
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
