/**
 * Reads the migrations folder the way `drizzle-kit generate` does before it diffs
 * (`prepareMigrationFolder`): the journal, and every file in `meta/` not starting with `_` as a
 * snapshot, sorted by path; the newest one is the previous schema. Where drizzle-kit prints a
 * message and exits 0 without generating (malformed or outdated snapshots, two snapshots claiming
 * the same parent, a pre-0.20 folder layout), dbctl stops with an error instead.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DbctlError } from '../../errors.js';
import type { SnapshotHeaders } from '../snapshot-headers.js';
import type { Journal, KitInternals, Snapshot } from './types.js';
import { firstSnapshotIssue } from '../kit/index.js';

/** What generate needs from the folder. */
export interface OutFolderState {
  out: string;
  metaDir: string;
  journalPath: string;
  /** The journal on disk, or a fresh one when `meta/` does not exist yet. */
  journal: Journal;
  /** True when `meta/` exists (its journal was read). */
  exists: boolean;
  /** Snapshot paths, sorted as drizzle-kit sorts them. */
  snapshots: string[];
  /** The newest snapshot parsed (drizzle-kit's `pgSchema.parse`), or drizzle-kit's empty one. */
  previous: Snapshot;
}

const folderError = (message: string, hint?: string) =>
  new DbctlError('MIGRATIONS_FOLDER_INVALID', message, hint === undefined ? {} : { hint });

/** Options of `readOutFolder`. */
export interface ReadOutFolderOptions {
  /**
   * `all` (default): every snapshot is validated with drizzle-kit's schema, as generate does.
   * `newest`: only the newest one is; an older one is validated only when its header (version,
   * dialect, id, prevId) does not look like a current PostgreSQL snapshot, so outdated, foreign and
   * unreadable snapshots and merge collisions are still refused with the same errors, but the body
   * of an older current-version snapshot is not checked (for read-only comparisons such as
   * `dbctl check`, which only diff against the newest).
   */
  validate?: 'all' | 'newest';
  /**
   * With `validate: 'newest'`: the snapshots' headers, already read (`readSnapshotHeaders`); an
   * older snapshot whose header looks current is then not read again. Files without a header, or
   * whose header does not look current, are read and checked here.
   */
  headers?: SnapshotHeaders;
}

/** Reads and checks the folder; throws MIGRATIONS_FOLDER_INVALID where drizzle-kit would refuse. */
export function readOutFolder(out: string, kit: KitInternals, options: ReadOutFolderOptions = {}): OutFolderState {
  const metaDir = path.join(out, 'meta');
  const journalPath = path.join(metaDir, '_journal.json');
  if (existsSync(out)) {
    const old = readdirSync(out).filter((it) => it.length === 14 && /^\d+$/.test(it));
    if (old.length > 0)
      throw folderError(`${out} uses drizzle-kit's outdated folder layout (${old[0]}/)`, 'run `npx drizzle-kit up` first');
  }
  if (!existsSync(metaDir)) {
    return {
      out,
      metaDir,
      journalPath,
      journal: { version: kit.snapshotVersion, dialect: 'postgresql', entries: [] },
      exists: false,
      snapshots: [],
      previous: kit.pgSchema.parse(kit.dryPg),
    };
  }
  const journal = readJournal(journalPath);
  const snapshots = readdirSync(metaDir)
    .filter((it) => !it.startsWith('_'))
    .map((it) => path.join(metaDir, it))
    .sort();
  let newestParsed: Snapshot | undefined;
  const parents = new Map<string, string[]>();
  const newestFile = snapshots[snapshots.length - 1];
  for (const file of snapshots) {
    const header = options.validate === 'newest' && file !== newestFile ? options.headers?.get(file) : undefined;
    if (header?.object && header.tablesObject && looksCurrent(header, kit)) {
      addChild(parents, header.prevId as string, file);
      continue;
    }
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw folderError(`${file} is not a readable snapshot: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (parsed.version && Number(parsed.version) > Number(kit.snapshotVersion)) {
      throw folderError(
        `${file} has snapshot version ${String(parsed.version)}, newer than drizzle-kit ${kit.version} supports`,
        'update drizzle-kit',
      );
    }
    if (options.validate === 'newest' && file !== newestFile && looksCurrent(parsed, kit) && isRecord(parsed.tables)) {
      addChild(parents, parsed.prevId as string, file);
      continue;
    }
    // drizzle-kit validates with the union of the v5, v6 and v7 schemas; a v7 snapshot passes only
    // the v7 one, so that is tried first (the union, slow on success, only classifies failures).
    const latest = kit.pgSchema.safeParse(parsed);
    let prevId: string;
    if (latest.success) {
      newestParsed = latest.data; // snapshots are sorted: the last one parsed is the newest
      prevId = latest.data.prevId;
    } else {
      const checked = kit.backwardCompatiblePgSchema.safeParse(parsed);
      if (!checked.success) {
        const issue = firstSnapshotIssue(latest.error);
        throw folderError(
          `${file} is malformed (not a drizzle-kit PostgreSQL snapshot${issue ? `: ${issue}` : ''})`,
          'restore it from version control, or run `npx drizzle-kit up` if an older drizzle-kit wrote it',
        );
      }
      throw folderError(
        `${file} is a version ${checked.data.version} snapshot, not the latest (${kit.snapshotVersion})`,
        'run `npx drizzle-kit up` first',
      );
    }
    addChild(parents, prevId, file);
  }
  for (const [parent, children] of parents) {
    if (children.length > 1) {
      throw folderError(
        `snapshots ${children.map((it) => path.basename(it)).join(', ')} all follow snapshot ${parent}: two migrations were generated from the same point (a merge collision)`,
        'remove or regenerate one of the colliding migrations so the snapshots form one chain',
      );
    }
  }
  // drizzle-kit's pgSchema.parse of the newest snapshot (done above), or of its empty one.
  const previous = newestParsed ?? kit.pgSchema.parse(kit.dryPg);
  return { out, metaDir, journalPath, journal, exists: true, snapshots, previous };
}

/** A header as drizzle-kit writes it for a current PostgreSQL snapshot (the body is not looked at). */
function looksCurrent(parsed: { version?: unknown; dialect?: unknown; id?: unknown; prevId?: unknown }, kit: KitInternals): boolean {
  return (
    parsed.version === kit.snapshotVersion &&
    parsed.dialect === 'postgresql' &&
    typeof parsed.id === 'string' &&
    typeof parsed.prevId === 'string'
  );
}

function addChild(parents: Map<string, string[]>, prevId: string, file: string): void {
  const siblings = parents.get(prevId) ?? [];
  siblings.push(file);
  parents.set(prevId, siblings);
}

const isRecord = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);

function readJournal(journalPath: string): Journal {
  let journal: unknown;
  try {
    journal = JSON.parse(readFileSync(journalPath, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw folderError(
      code === 'ENOENT'
        ? `${journalPath} is missing`
        : `${journalPath} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      'restore meta/_journal.json from version control',
    );
  }
  const entries = (journal as { entries?: unknown }).entries;
  if (!journal || typeof journal !== 'object' || !Array.isArray(entries)) throw folderError(`${journalPath} has no entries list`);
  for (const entry of entries as unknown[]) {
    const idx = (entry as { idx?: unknown } | null)?.idx;
    if (typeof idx !== 'number' || !Number.isInteger(idx)) throw folderError(`${journalPath} has an entry without a numeric idx`);
  }
  return journal as Journal;
}
