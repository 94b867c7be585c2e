/**
 * The two "does it still match?" questions `dbctl check` asks:
 *
 * - `schemaDiffersFromSnapshot`: the schema in code against the newest snapshot in the folder (a
 *   forgotten `generate`); drizzle-kit's generate diff, so it differs exactly when
 *   `drizzle-kit generate` would write a migration. Needs no database.
 * - `detectDrift`: the live database against the snapshot of the newest applied migration (what
 *   drizzle-kit's snapshots say the migrations produce; `check` and `fix` judge drift against the
 *   migrations replayed by PostgreSQL instead, see compare.ts): tables, columns, types, nullability, defaults, indexes,
 *   unique, foreign key and check constraints, primary keys, enums, sequences, views, schemas.
 *   Compared as drizzle-kit push compares a database with code (introspection, then its diff in
 *   push mode), after aligning spellings that mean the same (see align.ts), so a database migrated
 *   exactly by the folder shows no drift.
 *
 * Not compared (drizzle-kit's push diff does not see them either): the text of check constraint
 * expressions, of index expressions and predicates and their operator classes, of view
 * definitions and of generated column expressions; a check, index or view that exists on both
 * sides under the same name counts as the same.
 */
import type postgres from 'postgres';
import type { DrizzleSettings } from '../../config/types.js';
import { loadKit, resolveDrizzleKit } from '../kit/index.js';
import type { SnapshotHeaders } from '../snapshot-headers.js';
import { alignLive } from './align.js';
import { codeSnapshot, newestSnapshot } from './code.js';
import { describeDifferences, type KitStatement } from './describe.js';
import { diffSnapshots } from './diff.js';
import { introspectLive, schemasOf, withTableFilter, type IntrospectOptions, type PgSnapshot } from './introspect.js';

/** The outcome of a drift check. */
export interface DriftResult {
  drift: boolean;
  /** The SQL that would take the database to the applied migrations' schema (drizzle-kit push mode). */
  statements: string[];
  /** One line per difference: `column users.age: missing in the database`. */
  summary: string[];
}

/** The outcome of comparing the schema in code with the newest snapshot. */
export interface SchemaVsSnapshot {
  differs: boolean;
  /** The SQL `dbctl generate` would write. */
  statements: string[];
  /** One line per difference: `column users.age: missing in the migrations`. */
  summary: string[];
}

/**
 * Compares the live schema with `appliedSnapshot` (the snapshot of the newest applied migration;
 * `emptySnapshot()` when none is applied). Read-only.
 */
export async function detectDrift(
  sql: postgres.Sql | postgres.TransactionSql,
  settings: DrizzleSettings,
  appliedSnapshot: PgSnapshot,
  options: Pick<IntrospectOptions, 'excludeSchemas'> = {},
): Promise<DriftResult> {
  const kit = await loadKit(settings.baseDir);
  const expected = withTableFilter(kit, settings, kit.pgSchema.parse(appliedSnapshot));
  const live = await introspectLive(sql, settings, { ...options, schemas: schemasOf(expected), tsSchema: expected });
  const aligned = alignLive(live.snapshot, expected, live.facts);
  const diff = await diffSnapshots(aligned, expected, 'no-renames', 'push', kit);
  return {
    drift: diff.sqlStatements.length > 0,
    statements: diff.sqlStatements,
    summary: describeDifferences(diff.statements as KitStatement[], { actual: 'the database', expected: 'the migrations' }),
  };
}

/**
 * Compares the schema in code with the newest snapshot of the migrations folder. Needs no database.
 * Only the newest snapshot is validated in full (older ones by their header, see `readOutFolder`);
 * `headers` are the snapshots' headers when the caller has them (or is reading them); `code` reads
 * the schema in code when the caller shares one reading of it (`codeSnapshot` by default).
 */
export async function schemaDiffersFromSnapshot(
  settings: DrizzleSettings,
  options: { headers?: Promise<SnapshotHeaders>; code?: (settings: DrizzleSettings) => Promise<PgSnapshot> } = {},
): Promise<SchemaVsSnapshot> {
  const installed = resolveDrizzleKit(settings.baseDir);
  if (installed.line === '1.0') {
    // drizzle-kit 1.0's own generate, as a dry run (kit/cli-v1.ts)
    const { kitV1SchemaDiffers } = await import('../kit/cli-v1.js');
    return { ...(await kitV1SchemaDiffers({ kit: installed, configPath: settings.configPath, cwd: settings.baseDir })), statements: [] };
  }
  const kit = await loadKit(settings.baseDir);
  const headers = await options.headers;
  const [newest, code] = [await newestSnapshot(settings, { validate: 'newest', headers }), await (options.code ?? codeSnapshot)(settings)];
  const diff = await diffSnapshots(newest, code, 'no-renames', 'generate', kit);
  return {
    differs: diff.sqlStatements.length > 0,
    statements: diff.sqlStatements,
    summary: describeDifferences(diff.statements as KitStatement[], { actual: 'the migrations', expected: 'the schema in code' }),
  };
}
