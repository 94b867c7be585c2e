/**
 * Drift as the contract defines it: the live schema against what the applied migrations produce,
 * replayed by PostgreSQL into a scratch database (replay.ts). Both sides are read by the SAME
 * introspection (introspect.ts with ../kit/catalog-batch.ts, plus catalog-extras.ts for what drizzle-kit
 * does not see), so whatever the introspection reads in its own way it reads alike on both sides,
 * and hand-written SQL in migrations (indexes, columns, defaults, functions, triggers) counts as
 * what the migrations make.
 *
 * drizzle-kit's diff (push mode) between the two introspected snapshots gives the lines for
 * tables, columns, types, nullability, defaults, indexes, constraints, enums, sequences, views
 * and schemas, and the SQL that repairs them; catalog-extras.ts adds extensions, enum value order,
 * functions, triggers and full definitions of indexes, constraints and views.
 */
import type postgres from 'postgres';
import type { DrizzleSettings } from '../../config/types.js';
import { loadKit, resolveDrizzleKit } from '../kit/index.js';
import type { KitInternals } from '../generate/types.js';
import { compareExtras, readCatalogExtras, type CatalogObject, type ExtraDifference } from './catalog-extras.js';
import { describeDifferences, type KitStatement } from './describe.js';
import { diffSnapshots } from './diff.js';
import { introspectedSchemas, introspectWith, kitDb, readOnly, type LiveSchema, type PgSnapshot } from './introspect.js';

/** One side of a comparison, read once. */
export interface SchemaReading {
  schema: LiveSchema;
  extras: CatalogObject[];
}

/** Live against replayed. */
export interface ReplayComparison {
  drift: boolean;
  /** One line per difference: what the database has, what the migrations make. */
  summary: string[];
  /** drizzle-kit's SQL taking the live schema to the replayed one. */
  statements: string[];
  /** drizzle-kit's JSON statements behind `statements`. */
  kitStatements: KitStatement[];
  /** What drizzle-kit does not see. */
  extras: ExtraDifference[];
}

/** The user schemas a database has (not PostgreSQL's, not dbctl's or drizzle's). */
export async function userSchemas(sql: postgres.Sql | postgres.TransactionSql): Promise<string[]> {
  const rows = await sql<{ nspname: string }[]>`
    select nspname from pg_catalog.pg_namespace
     where nspname not in ('information_schema', 'pg_catalog', 'pg_toast') and nspname not like 'pg\\_%' order by nspname`;
  return rows.map((row) => row.nspname);
}

/**
 * Reads one side: the schemas of `settings.schemaFilter` plus `extraSchemas` (those the replay
 * made), minus dbctl's and drizzle's own. Read-only, in one repeatable-read transaction.
 */
export async function readSide(
  sql: postgres.Sql | postgres.TransactionSql,
  settings: DrizzleSettings,
  options: { schemas: readonly string[]; excludeSchemas?: readonly string[] | undefined; kit?: KitInternals },
): Promise<SchemaReading> {
  const kit = options.kit ?? (await loadKit(settings.baseDir));
  return await readOnly(sql, async (db) => {
    const schemas = await introspectedSchemas(db, settings, { schemas: options.schemas, excludeSchemas: options.excludeSchemas });
    const schema = await introspectWith(kit, db, settings, { schemas, excludeSchemas: options.excludeSchemas });
    const extras = await readCatalogExtras(txOf(db), schemas);
    return { schema, extras };
  });
}

/** readCatalogExtras over a drizzle-kit `db` (same transaction). */
function txOf(db: { query: (text: string, params?: unknown[]) => Promise<any[]> }): postgres.Sql {
  return { unsafe: (text: string) => db.query(text) } as unknown as postgres.Sql;
}

/** Compares `actual` (the database) with `expected` (the replayed migrations). Pure but for drizzle-kit's diff. */
export async function compareReadings(
  actual: SchemaReading,
  expected: SchemaReading,
  kit: KitInternals,
  sides = { actual: 'the database', expected: 'the migrations' },
): Promise<ReplayComparison> {
  const diff = await diffSnapshots(actual.schema.snapshot, expected.schema.snapshot, 'no-renames', 'push', kit);
  let kitStatements = diff.statements as KitStatement[];
  let statements = diff.sqlStatements;
  // the order of an enum's values is compared from pg_enum (catalog-extras); drizzle-kit's diff
  // turns a mere reordering into adding values that exist and dropping values in use
  const extras = compareExtras(actual.extras, expected.extras, sides);
  const kept = withoutRedefined(withoutEnumReorders(kitStatements, actual.schema.snapshot, expected.schema.snapshot), extras);
  if (kept.length !== kitStatements.length) {
    kitStatements = kept;
    statements = kit.fromJson(kept, 'postgresql', 'push');
  }
  const summary = [...describeDifferences(kitStatements, sides)];
  for (const extra of extras) if (!summary.includes(extra.line)) summary.push(extra.line);
  return { drift: summary.length > 0, summary, statements, kitStatements, extras };
}

/** drizzle-kit statements without those that only reorder an enum's values (compared from pg_enum instead). */
export function withoutEnumReorders(statements: KitStatement[], from: PgSnapshot, to: PgSnapshot): KitStatement[] {
  const sameSet = reorderedEnums(from, to);
  return statements.filter((st) => !(isEnumValueChange(st) && sameSet.has(enumKey(st))));
}

const INDEX_TYPES = new Set(['drop_index', 'create_index_pg', 'create_index']);
const CONSTRAINT_TYPES = new Set([
  'create_unique_constraint',
  'delete_unique_constraint',
  'create_check_constraint',
  'delete_check_constraint',
  'create_reference',
  'delete_reference',
  'alter_reference',
  'create_composite_pk',
  'delete_composite_pk',
  'alter_composite_pk',
]);

/** The name of the index or constraint a drizzle-kit statement is about (from its squashed or plain data). */
function objectNameOf(st: KitStatement): string | undefined {
  if (typeof st.constraintName === 'string') return st.constraintName;
  const data = st.data ?? st.old ?? st.new;
  if (typeof data === 'string') return data.split(';')[0];
  if (data && typeof data === 'object' && typeof (data as { name?: unknown }).name === 'string') return (data as { name: string }).name;
  return undefined;
}

/**
 * drizzle-kit's drop-and-create of an index or constraint whose definition catalog-extras.ts
 * compares in full (PostgreSQL's own text, repaired from the replay's definition) is left out,
 * so each difference is one line and one repair.
 */
export function withoutRedefined(statements: KitStatement[], extras: readonly ExtraDifference[]): KitStatement[] {
  const redefined = new Set(extras.filter((e) => e.kind === 'index' || e.kind === 'constraint').map((e) => `${e.kind}:${e.key}`));
  if (redefined.size === 0) return statements;
  return statements.filter((st) => {
    const kind = INDEX_TYPES.has(st.type) ? 'index' : CONSTRAINT_TYPES.has(st.type) ? 'constraint' : undefined;
    if (!kind) return true;
    const schema = typeof st.schema === 'string' && st.schema !== '' ? st.schema : 'public';
    return !redefined.has(`${kind}:${schema}.${String(st.tableName)}.${objectNameOf(st) ?? ''}`);
  });
}

const isEnumValueChange = (st: KitStatement) => st.type === 'alter_type_add_value' || st.type === 'alter_type_drop_value';
const enumKey = (st: KitStatement) => `${String(st.schema ?? st.enumSchema ?? 'public') || 'public'}.${String(st.name)}`;

/** Enums present on both sides with the same values in another order. */
function reorderedEnums(a: PgSnapshot, b: PgSnapshot): Set<string> {
  const out = new Set<string>();
  const enumsA = a.enums as Record<string, { values: string[] }>;
  const enumsB = b.enums as Record<string, { values: string[] }>;
  for (const [key, value] of Object.entries(enumsA)) {
    const other = enumsB[key];
    if (!other) continue;
    if ([...value.values].sort().join('\u0000') === [...other.values].sort().join('\u0000')) out.add(key);
  }
  return out;
}

/**
 * Reads the live database ahead, while the replay runs: the schemas the live database itself has
 * (the replay usually makes the same ones). `compareLiveWithReplay` uses the reading only when the
 * schemas it read are exactly those it would read after the replay; else it reads again. Undefined
 * on drizzle-kit 1.0 (its own reading, after the replay).
 */
export function readLiveAhead(
  live: postgres.Sql,
  settings: DrizzleSettings,
  options: { excludeSchemas?: readonly string[] } = {},
): Promise<SchemaReading> | undefined {
  if (resolveDrizzleKit(settings.baseDir).line === '1.0') return undefined;
  return (async () => readSide(live, settings, { schemas: await userSchemas(live), excludeSchemas: options.excludeSchemas }))();
}

/**
 * Reads the live database and the scratch database (after the replay) alike and compares them.
 * The schemas read are the same on both sides: `schemaFilter` plus every schema the replay made.
 * `liveAhead` (readLiveAhead's) stands for the live side when it read exactly those schemas;
 * `onRead` is called once both sides are read (the scratch database is no longer needed for this).
 */
export async function compareLiveWithReplay(
  live: postgres.Sql,
  scratch: postgres.Sql,
  settings: DrizzleSettings,
  options: { excludeSchemas?: readonly string[]; liveAhead?: Promise<SchemaReading> | undefined; onRead?: () => void } = {},
): Promise<ReplayComparison & { expected: SchemaReading; actual: SchemaReading }> {
  const installed = resolveDrizzleKit(settings.baseDir);
  if (installed.line === '1.0') {
    // drizzle-kit 1.0's introspection and diff (kit/drift-v1.ts); its readings are its own shape
    const v1 = await (await import('../kit/drift-v1.js')).compareLiveWithReplayV1(installed, live, scratch, settings, options);
    options.onRead?.();
    return {
      drift: v1.drift,
      summary: v1.summary,
      statements: v1.statements,
      kitStatements: [],
      extras: v1.extras,
      expected: v1.expected as unknown as SchemaReading,
      actual: v1.actual as unknown as SchemaReading,
    };
  }
  const kit = await loadKit(settings.baseDir);
  const schemas = await userSchemas(scratch);
  const excludeSchemas = options.excludeSchemas;
  const readLive = async () => {
    const ahead = await options.liveAhead?.catch(() => undefined);
    if (ahead) {
      const wanted = await introspectedSchemas(kitDb(live), settings, { schemas, excludeSchemas });
      if (sameList(ahead.schema.facts.schemas, wanted)) return ahead;
    }
    return await readSide(live, settings, { schemas, excludeSchemas, kit });
  };
  const [expected, actual] = await Promise.all([readSide(scratch, settings, { schemas, excludeSchemas, kit }), readLive()]);
  options.onRead?.();
  return { ...(await compareReadings(actual, expected, kit)), expected, actual };
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((item, i) => item === b[i]);
