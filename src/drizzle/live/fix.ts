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
import { loadKit, resolveDrizzleKit } from '../kit/index.js';
import type { AppliedRename, WrittenMigration } from '../generate/types.js';
import { alignLive } from './align.js';
import { codeSchema } from './code.js';
import { describeDifferences, type KitStatement } from './describe.js';
import { diffSnapshots } from './diff.js';
import { introspectWith, readOnly, schemasOf, withTableFilter, type LiveFacts } from './introspect.js';
import { writeMigration } from './write-migration.js';
import { idempotent } from './idempotent.js';
import { proveFix } from './fix-proof.js';
import { assertExpressible, extrasAround, type CatalogObject } from './catalog-extras.js';

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
  const live = await readOnly(sql, (db) =>
    introspectWith(kit, db, settings, { ...options, schemas: schemasOf(expected), tsSchema: expected }),
  );
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
export async function writeFix(
  settings: DrizzleSettings,
  plan: FixPlan,
  options: { name?: string | undefined; now?: Date } = {},
): Promise<WrittenMigration | null> {
  if (plan.statements.length === 0) return null;
  return await writeMigration(settings, {
    snapshot: plan.snapshot,
    statements: plan.statements,
    name: options.name,
    ...(options.now ? { now: options.now } : {}),
  });
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

/** What a fix against the replayed migrations would write, proven on a copy. */
export interface ReplayedFixPlan {
  statements: string[];
  /** The drift lines: what the database has, what the migrations make. */
  summary: string[];
  renames: AppliedRename[];
  invalidIndexes: LiveFacts['invalidIndexes'];
  /** Data the fix destroys: `column users.nickname (3 values)`. */
  destroys: string[];
  /** How the fix was proven: applied to a copy of the live schema, zero drift left. */
  proof: string | null;
}

/**
 * The fix-forward migration taking the live database to what the applied migrations produce
 * (the replay in `scratch`, see replay.ts), never the other way: drizzle-kit's diff between the
 * two introspected schemas plus what catalog-extras.ts repairs (functions, triggers, view, index
 * and constraint definitions, extensions). Before it is returned it is proven in the scratch
 * database: the replayed schema is turned into a copy of the live one (checked equal), the fix is
 * applied to it, and the result must show zero drift against the replay. When a difference cannot
 * be expressed (enum value order, an extension no migration creates), the fix does not apply, or
 * drift is left, it throws OPERATION_FAILED saying what, and nothing is written. Reads the live
 * database only; changes only the scratch database.
 */
export async function planReplayedFix(
  live: postgres.Sql,
  scratch: postgres.Sql,
  settings: DrizzleSettings,
  answers: { renames?: readonly string[]; creates?: readonly string[] } = {},
  options: { excludeSchemas?: readonly string[] } = {},
): Promise<ReplayedFixPlan> {
  const installed = resolveDrizzleKit(settings.baseDir);
  if (installed.line === '1.0')
    return await (await import('../kit/drift-v1.js')).planReplayedFixV1(installed, live, scratch, settings, answers, options);
  const { compareLiveWithReplay, compareReadings, readSide, userSchemas, withoutEnumReorders, withoutRedefined } =
    await import('./compare.js');
  const kit = await loadKit(settings.baseDir);
  const excludeSchemas = options.excludeSchemas;
  const compared = await compareLiveWithReplay(live, scratch, settings, { excludeSchemas });
  const { actual, expected } = compared;
  const empty: ReplayedFixPlan = {
    statements: [],
    summary: [],
    renames: [],
    invalidIndexes: actual.schema.facts.invalidIndexes,
    destroys: [],
    proof: null,
  };
  if (!compared.drift) return empty;

  assertExpressible(compared.extras);
  const diff = await diffSnapshots(actual.schema.snapshot, expected.schema.snapshot, { ...answers, command: 'fix' }, 'push', kit);
  const kitStatements = withoutRedefined(
    withoutEnumReorders(diff.statements as KitStatement[], actual.schema.snapshot, expected.schema.snapshot),
    compared.extras,
  );
  const invalid = actual.schema.facts.invalidIndexes;
  // a primary key dropped first (PostgreSQL allows one per table), then each statement's SQL
  const rebuilt = pkFirst(kitStatements).map((st) => concurrentlyIfInvalid(st, invalid));
  const sqlFromKit = rebuilt.flatMap((st) => primaryKeySql(st, actual.extras, expected.extras) ?? kit.fromJson([st], 'postgresql', 'push'));
  const kitSql = rebuildInvalidIndexes(sqlFromKit, rebuilt, kit.fromJson, invalid);
  const extras = extrasAround(compared.extras);
  const statements = await idempotent([...extras.first, ...kitSql, ...extras.last]);
  const summary = [...compared.summary];
  const destroys = await destroyedData(live, kitStatements);

  // the proof: a copy of the live schema, made from the replay; the fix on it; zero drift left
  const reverse = await compareReadings(expected, actual, kit, { actual: 'the migrations', expected: 'the database' });
  const cannotCopy = reverse.extras.filter((e) => e.sql === null).map((e) => e.line);
  const reverseSql = pkFirst(reverse.kitStatements).flatMap(
    (st) => primaryKeySql(st, expected.extras, actual.extras) ?? kit.fromJson([st], 'postgresql', 'push'),
  );
  const toLive = [
    ...reverse.extras.filter((e) => e.kind === 'extension' || e.kind === 'function').flatMap((e) => e.sql ?? []),
    ...reverseSql,
    ...reverse.extras.filter((e) => !(e.kind === 'extension' || e.kind === 'function')).flatMap((e) => e.sql ?? []),
  ];
  await proveFix(
    { scratch, statements, actual, expected, toLive, cannotCopy, invalidIndexes: invalid },
    {
      read: async () => readSide(scratch, settings, { schemas: await userSchemas(scratch), excludeSchemas, kit }),
      compare: (a, b, labels) => compareReadings(a, b, kit, labels),
    },
  );
  return {
    statements,
    summary,
    renames: diff.renames,
    invalidIndexes: invalid,
    destroys,
    proof: 'applied to a copy of the live schema in a scratch database: no drift left; applied to the replayed migrations: nothing changed',
  };
}

/** The statements with primary keys dropped first (PostgreSQL allows one per table). */
function pkFirst(statements: readonly KitStatement[]): KitStatement[] {
  const drop = (st: KitStatement) => st.type === 'alter_table_alter_column_drop_pk';
  return [...statements.filter(drop), ...statements.filter((st) => !drop(st))];
}

/**
 * drizzle-kit cannot name a single-column primary key (its introspection loses the name): it writes
 * `ADD PRIMARY KEY` under PostgreSQL's default name, and a commented-out `DROP CONSTRAINT
 * "<constraint_name>"`. Both sides' catalogs know the names: the key is added under the name the
 * migrations give it, and dropped by the name the database has.
 */
function primaryKeySql(st: KitStatement, actual: readonly CatalogObject[], expected: readonly CatalogObject[]): string[] | null {
  if (st.type !== 'alter_table_alter_column_set_pk' && st.type !== 'alter_table_alter_column_drop_pk') return null;
  const schema = typeof st.schema === 'string' && st.schema !== '' ? st.schema : 'public';
  const table = String(st.tableName);
  const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const pkOf = (objects: readonly CatalogObject[]) =>
    objects.find(
      (o) =>
        o.kind === 'constraint' &&
        o.key.startsWith(`${schema}.${table}.`) &&
        o.key.split('.').length === 3 &&
        o.def.startsWith('PRIMARY KEY'),
    );
  if (st.type === 'alter_table_alter_column_set_pk') {
    const pk = pkOf(expected);
    return pk ? [`ALTER TABLE ${ident(schema)}.${ident(table)} ADD CONSTRAINT ${ident(pk.key.split('.')[2]!)} ${pk.def};`] : null;
  }
  const pk = pkOf(actual);
  return pk ? [`ALTER TABLE ${ident(schema)}.${ident(table)} DROP CONSTRAINT IF EXISTS ${ident(pk.key.split('.')[2]!)};`] : null;
}

/** A rebuilt invalid index is built CONCURRENTLY again, as the migration that failed meant to. */
function concurrentlyIfInvalid(st: KitStatement, invalid: LiveFacts['invalidIndexes']): KitStatement {
  if (st.type !== 'create_index_pg' || invalid.length === 0) return st;
  const data = st.data as { name?: string; concurrently?: boolean } | undefined;
  const schema = typeof st.schema === 'string' && st.schema !== '' ? st.schema : 'public';
  if (!invalid.some((it) => it.name === data?.name && it.schema === schema && it.table === st.tableName)) return st;
  return { ...st, data: { ...data, concurrently: true } };
}

/** The data the statements destroy in the live database (columns and tables holding rows). */
async function destroyedData(live: postgres.Sql, statements: readonly KitStatement[]): Promise<string[]> {
  const out: string[] = [];
  const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
  for (const st of statements) {
    const schema = typeof st.schema === 'string' && st.schema !== '' ? st.schema : 'public';
    const table = String(st.tableName ?? '');
    try {
      if (st.type === 'alter_table_drop_column') {
        const column = String(st.columnName);
        const [row] = await live.unsafe(`select count(${ident(column)})::bigint as n from ${ident(schema)}.${ident(table)}`);
        const n = Number(row?.n ?? 0);
        if (n > 0) out.push(`column ${schema === 'public' ? '' : `${schema}.`}${table}.${column} (${n} value${n === 1 ? '' : 's'})`);
      } else if (st.type === 'drop_table') {
        const [row] = await live.unsafe(`select count(*)::bigint as n from ${ident(schema)}.${ident(table)}`);
        const n = Number(row?.n ?? 0);
        if (n > 0) out.push(`table ${schema === 'public' ? '' : `${schema}.`}${table} (${n} row${n === 1 ? '' : 's'})`);
      }
    } catch {
      out.push(`${st.type === 'drop_table' ? 'table' : 'column'} of ${table} (its rows could not be counted)`);
    }
  }
  return out;
}
