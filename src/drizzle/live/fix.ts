/**
 * The fix-forward migration: the difference between an environment's actual database and the
 * schema in code, as a migration in drizzle's format. The database is only read (catalog queries in
 * a read-only transaction); the migration is written to the folder, to be reviewed and applied
 * with `dbctl migrate` like any other.
 *
 * Compared as drizzle-kit push compares (introspection, then its diff in push mode, after aligning
 * equivalent spellings, see align.ts); the snapshot written is the schema in code exactly as
 * `drizzle-kit generate` serializes it, so the next `generate` continues from it. An index
 * PostgreSQL marks invalid (a failed `CREATE INDEX CONCURRENTLY`) counts as missing, and the fix
 * drops it before building it again.
 */
import type postgres from 'postgres';
import type { DrizzleSettings } from '../../config/types.js';
import { loadKit } from '../generate/kit.js';
import type { AppliedRename, WrittenMigration } from '../generate/types.js';
import { alignLive } from './align.js';
import { codeSchema } from './code.js';
import { describeDifferences, type KitStatement } from './describe.js';
import { diffSnapshots } from './diff.js';
import { introspectWith, readOnly, schemasOf, withTableFilter, type LiveFacts } from './introspect.js';
import { writeMigration } from './write-migration.js';

/** What a fix would write. */
export interface FixPlan {
  statements: string[];
  summary: string[];
  renames: AppliedRename[];
  /** The schema in code as generate serializes it (the new migration's snapshot). */
  snapshot: Record<string, unknown>;
  schemaFiles: string[];
  invalidIndexes: LiveFacts['invalidIndexes'];
}

/** Computes the fix (reads the database, writes nothing). */
export async function planFix(
  sql: postgres.Sql,
  settings: DrizzleSettings,
  answers: { renames?: readonly string[]; creates?: readonly string[] } = {},
  options: { excludeSchemas?: readonly string[] } = {},
): Promise<FixPlan> {
  const kit = await loadKit(settings.baseDir);
  const code = await codeSchema(settings);
  const expected = withTableFilter(kit, settings, code.snapshot);
  const live = await readOnly(sql, (db) => introspectWith(kit, db, settings, { ...options, schemas: schemasOf(expected), tsSchema: expected }));
  const aligned = alignLive(live.snapshot, expected, live.facts);
  const diff = await diffSnapshots(aligned, expected, { ...answers, command: 'fix' }, 'push', kit);
  const statements = rebuildInvalidIndexes(diff.sqlStatements, diff.statements as KitStatement[], kit.fromJson, live.facts.invalidIndexes);
  return {
    statements,
    summary: describeDifferences(diff.statements as KitStatement[], { actual: 'the database', expected: 'the schema in code' }),
    renames: diff.renames,
    snapshot: code.serialized,
    schemaFiles: code.files,
    invalidIndexes: live.facts.invalidIndexes,
  };
}

/** Writes the fix as the next migration; null (nothing written) when the database already matches. */
export async function writeFix(settings: DrizzleSettings, plan: FixPlan, options: { name?: string | undefined; now?: Date } = {}): Promise<WrittenMigration | null> {
  if (plan.statements.length === 0) return null;
  return await writeMigration(settings, { snapshot: plan.snapshot, statements: plan.statements, name: options.name, ...(options.now ? { now: options.now } : {}) });
}

/** Puts `DROP INDEX IF EXISTS` before the statement that builds an invalid index again. */
function rebuildInvalidIndexes(
  sqlStatements: string[],
  statements: readonly KitStatement[],
  fromJson: (statements: unknown[], dialect: 'postgresql', action?: 'push') => string[],
  invalid: LiveFacts['invalidIndexes'],
): string[] {
  if (invalid.length === 0) return sqlStatements;
  const out = [...sqlStatements];
  for (const st of statements) {
    if (st.type !== 'create_index_pg') continue;
    const name = (st.data as { name?: string } | undefined)?.name;
    const schema = typeof st.schema === 'string' && st.schema !== '' ? st.schema : 'public';
    const broken = invalid.find((it) => it.name === name && it.schema === schema && it.table === st.tableName);
    if (!broken) continue;
    const [create] = fromJson([st], 'postgresql', 'push');
    const at = create === undefined ? -1 : out.indexOf(create);
    const drop = `DROP INDEX IF EXISTS "${broken.schema}"."${broken.name}";`;
    if (at >= 0) out.splice(at, 0, drop);
    else out.unshift(drop);
  }
  return out;
}
