/**
 * The migration that undoes one migration's schema changes, computed from drizzle's snapshots
 * alone (no database): the snapshot TAG wrote (after) and the one it followed (before, by its
 * `prevId`; drizzle-kit's empty snapshot for the first migration).
 *
 * - TAG is the newest migration: the SQL is drizzle-kit's diff from `after` to `before` (what
 *   `drizzle-kit/api`'s `generateMigration(after, before)` computes), and the new snapshot is
 *   `before`'s content with a fresh id chained to `after`.
 * - TAG is older: its changes are undone inside the newest snapshot (a three-way patch, see
 *   patch.ts: objects a later migration changed again are left alone and reported), and the SQL is
 *   the diff from the newest snapshot to that. For an unchanged later history this is the same SQL.
 *
 * Renames TAG made (read from its SQL) are undone as renames, so no data is dropped for them;
 * every other question drizzle-kit's diff asks is answered "new": a drop and a create are undone
 * as a drop and a create.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DrizzleSettings } from '../../config/types.js';
import { analyzeMigration } from '../../core/analyze.js';
import { describeDestroyed } from '../../core/destroyed.js';
import { DbctlError } from '../../errors.js';
import type { SqlParser } from '../../sql/parser.js';
import { readMigrationFolder, type LocalMigration } from '../folder.js';
import { loadKit, resolveDrizzleKit } from '../kit/index.js';
import { readOutFolder } from '../generate/out-folder.js';
import { schemaFiles } from '../generate/schema-files.js';
import type { WrittenMigration } from '../generate/types.js';
import { snapshotPathOf } from '../live/code.js';
import type { KitStatement } from '../live/describe.js';
import { diffSnapshots } from '../live/diff.js';
import { writeMigration } from '../live/write-migration.js';
import { codeChanges, type SchemaText } from './hints.js';
import { undoChanges } from './patch.js';
import { findMigration, type RevertPlan } from './plan.js';
import { renamesIn, reversedAnswers } from './renames.js';

type Json = Record<string, any>;

export { findMigration, type RevertPlan } from './plan.js';

/** Computes the revert of `tag` (reads the folder and the schema files; writes nothing). */
export async function planRevert(settings: DrizzleSettings, tag: string, parser: SqlParser): Promise<RevertPlan> {
  const installed = resolveDrizzleKit(settings.baseDir);
  if (installed.line === '1.0') return await (await import('../kit/revert-v1.js')).planRevertV1(installed, settings, tag, parser);
  const kit = await loadKit(settings.baseDir, 'dbctl revert');
  const folder = await readMigrationFolder(settings.out, settings.baseDir);
  const migration = findMigration(folder.migrations, tag, settings.outRelative);
  const out = readOutFolder(settings.out, kit);
  const snapshots = readSnapshots(out.snapshots);
  const afterPath = snapshotPathOf(settings, migration.tag);
  const after = snapshots.byPath.get(afterPath);
  if (!after) {
    throw new DbctlError(
      'MIGRATIONS_FOLDER_INVALID',
      `migration ${migration.tag} has no snapshot ${path.relative(settings.baseDir, afterPath)}`,
      {
        hint: existsSync(afterPath)
          ? 'the snapshot is not readable JSON; restore it from version control'
          : 'restore the meta folder from version control',
      },
    );
  }
  const before: Json =
    after.prevId === kit.originUUID || after.prevId === ''
      ? (kit.dryPg as Json)
      : (snapshots.byId.get(after.prevId) ?? missingBefore(migration.tag, after.prevId));
  const newestRaw: Json = snapshots.byId.get(out.previous.id) ?? (out.previous as Json);
  const isNewest = newestRaw.id === after.id;
  const later = folder.migrations.filter((m) => m.idx > migration.idx).map((m) => m.tag);

  const renames = renamesIn(migration.text, parser);
  let target: Json;
  let conflicts: string[] = [];
  let cascaded: string[] = [];
  let overlaps: string[] = [];
  if (isNewest) target = before;
  else {
    const patched = undoChanges(newestRaw, after, before, renames);
    target = patched.snapshot;
    conflicts = patched.conflicts;
    cascaded = patched.cascaded;
    overlaps = touchedLater(after, before, newestRaw);
  }
  const from = kit.pgSchema.parse(newestRaw);
  const to = kit.pgSchema.parse({ ...target, id: kit.originUUID, prevId: '' });
  const diff = await diffSnapshots(from, to, { renames: reversedAnswers(renames), unanswered: 'create' }, 'generate', kit);

  if (diff.sqlStatements.length === 0 && migration.statements.length > 0 && sameSchema(after, before)) {
    throw new DbctlError(
      'OPERATION_FAILED',
      `${migration.tag} changed no schema drizzle tracks (custom SQL?); dbctl cannot compute its inverse`,
      {
        hint: `write the inverse by hand: \`dbctl generate --custom --name revert_${migration.tag}\``,
      },
    );
  }
  const files: SchemaText[] = schemaTexts(settings);
  const destroyed = analyzeMigration(parser, migration.statements)
    .flatMap((chunk) => chunk.destroys)
    .map(describeDestroyed);
  return {
    tag: migration.tag,
    later,
    statements: diff.sqlStatements,
    snapshot: target,
    renames,
    conflicts,
    overlaps,
    cascaded,
    codeChanges: codeChanges(diff.statements as KitStatement[], files),
    destroyed: [...new Set(destroyed)],
  };
}

/** Writes the revert as the next migration (default name `revert_<TAG>`); null when there is nothing to undo. */
export async function writeRevert(
  settings: DrizzleSettings,
  plan: RevertPlan,
  options: { name?: string | undefined; now?: Date } = {},
): Promise<WrittenMigration | null> {
  if (plan.statements.length === 0) return null;
  const installed = resolveDrizzleKit(settings.baseDir);
  if (installed.line === '1.0')
    return await (
      await import('../kit/revert-v1.js')
    ).writeRevertV1(settings, plan, options.name ?? `revert_${plan.tag}`, options.now?.getTime());
  return await writeMigration(settings, {
    snapshot: plan.snapshot,
    statements: plan.statements,
    name: options.name ?? `revert_${plan.tag}`,
    ...(options.now ? { now: options.now } : {}),
  });
}

function missingBefore(tag: string, prevId: string): never {
  throw new DbctlError('MIGRATIONS_FOLDER_INVALID', `the snapshot before ${tag} (id ${prevId}) is not in the meta folder`, {
    hint: 'restore the meta folder from version control; dbctl needs the snapshots before and after a migration to revert it',
  });
}

/** Every snapshot file's JSON, by path and by id. */
function readSnapshots(paths: readonly string[]): { byPath: Map<string, Json>; byId: Map<string, Json> } {
  const byPath = new Map<string, Json>();
  const byId = new Map<string, Json>();
  for (const file of paths) {
    try {
      const json = JSON.parse(readFileSync(file, 'utf8')) as Json;
      byPath.set(file, json);
      if (typeof json.id === 'string') byId.set(json.id, json);
    } catch {
      // readOutFolder has already rejected unreadable snapshots
    }
  }
  return { byPath, byId };
}

/** True when two snapshots describe the same schema (ids and _meta aside). */
function sameSchema(a: Json, b: Json): boolean {
  const strip = ({ id: _i, prevId: _p, _meta: _m, ...rest }: Json) => rest;
  return JSON.stringify(sortKeys(strip(a))) === JSON.stringify(sortKeys(strip(b)));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Json)
        .sort()
        .map((k) => [k, sortKeys((value as Json)[k])]),
    );
  }
  return value;
}

/** Tables (and other top-level objects) TAG changed that later migrations changed too. */
function touchedLater(after: Json, before: Json, newest: Json): string[] {
  const lines: string[] = [];
  for (const collection of ['tables', 'enums', 'sequences', 'views', 'schemas'] as const) {
    const a = (after[collection] ?? {}) as Json;
    const b = (before[collection] ?? {}) as Json;
    const n = (newest[collection] ?? {}) as Json;
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const changedByTag = JSON.stringify(sortKeys(a[key])) !== JSON.stringify(sortKeys(b[key]));
      const changedLater = JSON.stringify(sortKeys(a[key])) !== JSON.stringify(sortKeys(n[key]));
      if (changedByTag && changedLater) lines.push(`${collection.replace(/s$/, '')} ${key.replace(/^public\./, '')}`);
    }
  }
  return lines;
}

/** The schema files' texts, for locating objects in code hints. */
function schemaTexts(settings: DrizzleSettings): SchemaText[] {
  let files: string[];
  try {
    files = schemaFiles(settings.schema, settings.baseDir);
  } catch {
    return [];
  }
  return files.map((file) => ({ file: path.relative(settings.baseDir, file) || file, text: readFileSafe(file) }));
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
