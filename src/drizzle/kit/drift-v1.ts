/**
 * Drift and the fix-forward migration on drizzle-kit 1.0, as ../live/compare.ts and ../live/fix.ts
 * do them on 0.31: the live database and the replay (the applied migrations run by PostgreSQL into
 * a scratch database) read by the SAME introspection, here drizzle-kit 1.0's own
 * (`fromDatabaseForDrizzle`, what its `pushSchema` reads a database with), plus PostgreSQL's own
 * definitions (../live/catalog-extras.ts, the same on both lines); the two compared by 1.0's DDL
 * diff in push mode. The fix is proven as on 0.31: applied to the replay it changes nothing, applied
 * to a copy of the live schema it leaves no drift; otherwise nothing is written.
 */
import type postgres from 'postgres';
import type { DrizzleSettings } from '../../config/types.js';
import { DbctlError } from '../../errors.js';
import {
  assertExpressible,
  compareExtras,
  extrasAround,
  readCatalogExtras,
  type CatalogObject,
  type ExtraDifference,
} from '../live/catalog-extras.js';
import { idempotent } from '../live/idempotent.js';
import { proveFix } from '../live/fix-proof.js';
import { introspectedSchemas, readOnly } from '../live/introspect.js';
import type { AppliedRename } from '../generate/types.js';
import { answeringHints, loadApiV1, loadInternalsV1, type ApiInternalsV1, RESOLVED_KINDS } from './api-v1.js';
import { codeExportsV1 } from './push-v1.js';
import type { InstalledKit } from './resolve.js';
import { whileExitThrows } from '../../io/exit-guard.js';

/** One side, read once: drizzle-kit 1.0's interim schema (a fresh DDL made from it per diff) and the catalog's own definitions. */
export interface ReadingV1 {
  interim: unknown;
  /** The DDL's entity list instead of an interim schema (the schema in code, as generate reads it). */
  entities?: unknown[];
  extras: CatalogObject[];
  /** Indexes PostgreSQL marks invalid (a failed `CREATE INDEX CONCURRENTLY`): left out, they count as missing. */
  invalidIndexes: { schema: string; table: string; name: string }[];
}

/** A statement of drizzle-kit 1.0's diff with the SQL it makes. */
interface Grouped {
  jsonStatement: { type: string; [key: string]: unknown };
  sqlStatements: string[];
}

/** Live against replayed, on drizzle-kit 1.0. */
export interface ComparisonV1 {
  drift: boolean;
  summary: string[];
  /** drizzle-kit's SQL taking the live schema to the replayed one (without what `extras` repair). */
  statements: string[];
  grouped: Grouped[];
  extras: ExtraDifference[];
}

/** Reads one side (read-only, one repeatable-read transaction). */
export async function readSideV1(
  kit: InstalledKit,
  sql: postgres.Sql | postgres.TransactionSql,
  settings: DrizzleSettings,
  options: { schemas: readonly string[]; excludeSchemas?: readonly string[] | undefined },
): Promise<ReadingV1> {
  const internals = loadInternalsV1(kit);
  return await readOnly(sql, async (db) => {
    const schemas = await introspectedSchemas(db, settings, { schemas: options.schemas, excludeSchemas: options.excludeSchemas });
    const tables =
      settings.tablesFilter === undefined
        ? []
        : Array.isArray(settings.tablesFilter)
          ? [...settings.tablesFilter]
          : [settings.tablesFilter];
    // the schemas by their exact names (a name is no glob here: special characters escaped)
    const exact = schemas.map((name) => name.replace(/[*?[\]{}()!+@\\]/g, (c) => `\\${c}`));
    const filter = internals.prepareEntityFilter(
      'postgresql',
      { tables, schemas: exact, extensions: [...(settings.extensionsFilters ?? [])], entities: undefined },
      [],
    );
    let interim: unknown;
    try {
      interim = await internals.fromDatabaseForDrizzle(db, filter, () => {}, {
        table: settings.migrationsTable,
        schema: settings.migrationsSchema,
      });
    } catch (error) {
      throw failed(kit, 'introspection', error);
    }
    const extras = await readCatalogExtras({ unsafe: (text: string) => db.query(text) } as unknown as postgres.Sql, schemas);
    const quoted = schemas.map((it) => `'${it.replace(/'/g, "''")}'`).join(', ');
    const invalidIndexes =
      schemas.length === 0
        ? []
        : (
            (await db.query(
              `select n.nspname as schema, t.relname as table, ic.relname as name
         from pg_catalog.pg_index i
         join pg_catalog.pg_class ic on ic.oid = i.indexrelid
         join pg_catalog.pg_class t on t.oid = i.indrelid
         join pg_catalog.pg_namespace n on n.oid = t.relnamespace
        where not i.indisvalid and n.nspname in (${quoted})`,
            )) as { schema: string; table: string; name: string }[]
          ).map((row) => ({ schema: row.schema, table: row.table, name: row.name }));
    const indexes = (interim as { indexes?: { schema?: string; table?: string; name?: string }[] }).indexes;
    if (Array.isArray(indexes) && invalidIndexes.length > 0) {
      const invalid = (it: { schema?: string; table?: string; name?: string }) =>
        invalidIndexes.some((x) => x.name === it.name && x.table === it.table && x.schema === (it.schema || 'public'));
      (interim as { indexes: unknown[] }).indexes = indexes.filter((it) => !invalid(it));
    }
    return { interim, extras, invalidIndexes };
  });
}

/** The user schemas a database has (not PostgreSQL's, not dbctl's or drizzle's). */
export async function userSchemasV1(sql: postgres.Sql | postgres.TransactionSql): Promise<string[]> {
  const rows = await sql<{ nspname: string }[]>`
    select nspname from pg_catalog.pg_namespace
     where nspname not in ('information_schema', 'pg_catalog', 'pg_toast') and nspname not like 'pg\\_%' order by nspname`;
  return rows.map((row) => row.nspname);
}

function failed(kit: InstalledKit, step: string, error: unknown): unknown {
  if (error instanceof DbctlError) return error;
  return new DbctlError(
    'OPERATION_FAILED',
    `drizzle-kit ${kit.version} failed in its ${step}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    {
      hint: 'dbctl is tested with drizzle-kit 1.0.0-rc.5; report this with your drizzle-kit version',
      cause: error,
    },
  );
}

/** drizzle-kit 1.0's DDL diff (push mode) from one reading to another, rename questions answered by `hints`. */
async function diffV1(kit: InstalledKit, internals: ApiInternalsV1, from: ReadingV1, to: ReadingV1, hints: unknown[], strict: boolean) {
  const ddlOf = (reading: ReadingV1) =>
    reading.entities ? internals.fromEntities(reading.entities) : internals.interimToDDL(reading.interim).ddl;
  try {
    return await internals.runWithApiHints(hints, async (handler) => {
      const resolvers = RESOLVED_KINDS.map((kind) => internals.resolver(kind, handler));
      const result = await internals.ddlDiff(ddlOf(from), ddlOf(to), ...resolvers, 'push');
      if (strict) (handler as { throwIfMissingHints(): void }).throwIfMissingHints();
      return result;
    });
  } catch (error) {
    if (Array.isArray((error as { missingHints?: unknown }).missingHints)) throw error;
    throw failed(kit, 'diff', error);
  }
}

/** The index or constraint a statement is about, `kind:schema.table.name`, when it is one. */
function objectKey(st: Grouped['jsonStatement']): string | undefined {
  const kinds: Record<string, [string, string]> = {
    create_index: ['index', 'index'],
    drop_index: ['index', 'index'],
    add_unique: ['constraint', 'unique'],
    drop_unique: ['constraint', 'unique'],
    add_check: ['constraint', 'check'],
    drop_check: ['constraint', 'check'],
    create_fk: ['constraint', 'fk'],
    drop_fk: ['constraint', 'fk'],
    add_fk: ['constraint', 'fk'],
    add_pk: ['constraint', 'pk'],
    drop_pk: ['constraint', 'pk'],
    create_pk: ['constraint', 'pk'],
  };
  const found = kinds[st.type];
  if (!found) return undefined;
  const object = st[found[1]] as { schema?: string; table?: string; name?: string } | undefined;
  if (!object?.name) return undefined;
  return `${found[0]}:${object.schema || 'public'}.${object.table ?? ''}.${object.name}`;
}

/** A line per drizzle-kit 1.0 statement: what differs, and on which side. */
export function describeV1(statements: readonly Grouped['jsonStatement'][], sides: { actual: string; expected: string }): string[] {
  return statements.map((st) => {
    const subject = Object.values(st).find((v) => v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string') as
      { schema?: unknown; table?: unknown; name: string } | undefined;
    const parts = subject
      ? [
          subject.schema && subject.schema !== 'public' ? String(subject.schema) : '',
          typeof subject.table === 'string' ? subject.table : '',
          subject.name,
        ].filter(Boolean)
      : [];
    const what = st.type.replace(/_/g, ' ');
    const name = parts.length > 0 ? ` ${parts.join('.')}` : '';
    if (/^(create|add)_/.test(st.type)) return `${what.replace(/^(create|add) /, '')}${name}: missing in ${sides.actual}`;
    if (/^drop_/.test(st.type)) return `${what.replace(/^drop /, '')}${name}: in ${sides.actual}, not in ${sides.expected}`;
    return `${what}${name}: differs between ${sides.actual} and ${sides.expected}`;
  });
}

/** Compares `actual` with `expected` (as ../live/compare.ts's `compareReadings`). */
export async function compareReadingsV1(
  kit: InstalledKit,
  actual: ReadingV1,
  expected: ReadingV1,
  sides = { actual: 'the database', expected: 'the migrations' },
): Promise<ComparisonV1> {
  const internals = loadInternalsV1(kit);
  const diff = await diffV1(kit, internals, actual, expected, [], false);
  const extras = compareExtras(actual.extras, expected.extras, sides);
  const grouped = withoutRedefined(diff.groupedStatements as Grouped[], extras);
  const summary = describeV1(
    grouped.map((g) => g.jsonStatement),
    sides,
  );
  for (const extra of extras) if (!summary.includes(extra.line)) summary.push(extra.line);
  return { drift: summary.length > 0, summary, statements: grouped.flatMap((g) => g.sqlStatements), grouped, extras };
}

/** drizzle-kit's drop-and-create of an index or constraint catalog-extras.ts compares (and repairs) in full, left out. */
function withoutRedefined(grouped: Grouped[], extras: readonly ExtraDifference[]): Grouped[] {
  const redefined = new Set(extras.filter((e) => e.kind === 'index' || e.kind === 'constraint').map((e) => `${e.kind}:${e.key}`));
  if (redefined.size === 0) return grouped;
  return grouped.filter((g) => {
    const key = objectKey(g.jsonStatement);
    return !key || !redefined.has(key);
  });
}

/** Reads both sides alike and compares them (as ../live/compare.ts's `compareLiveWithReplay`). */
export async function compareLiveWithReplayV1(
  kit: InstalledKit,
  live: postgres.Sql,
  scratch: postgres.Sql,
  settings: DrizzleSettings,
  options: { excludeSchemas?: readonly string[] } = {},
): Promise<ComparisonV1 & { expected: ReadingV1; actual: ReadingV1 }> {
  const schemas = await userSchemasV1(scratch);
  const [expected, actual] = await Promise.all([
    readSideV1(kit, scratch, settings, { schemas, excludeSchemas: options.excludeSchemas }),
    readSideV1(kit, live, settings, { schemas, excludeSchemas: options.excludeSchemas }),
  ]);
  return { ...(await compareReadingsV1(kit, actual, expected)), expected, actual };
}

/** A fix on drizzle-kit 1.0 (the shape of ../live/fix.ts's `ReplayedFixPlan`). */
export interface ReplayedFixPlanV1 {
  statements: string[];
  summary: string[];
  renames: AppliedRename[];
  invalidIndexes: { schema: string; table: string; name: string }[];
  destroys: string[];
  proof: string | null;
}

/**
 * The fix taking the live database to what its applied migrations produce, proven in the scratch
 * database as on 0.31 (see ../live/fix.ts's `planReplayedFix`). Reads the live database only.
 */
export async function planReplayedFixV1(
  kit: InstalledKit,
  live: postgres.Sql,
  scratch: postgres.Sql,
  settings: DrizzleSettings,
  answers: { renames?: readonly string[]; creates?: readonly string[] } = {},
  options: { excludeSchemas?: readonly string[] } = {},
): Promise<ReplayedFixPlanV1> {
  const internals = loadInternalsV1(kit);
  const excludeSchemas = options.excludeSchemas;
  const compared = await compareLiveWithReplayV1(kit, live, scratch, settings, { excludeSchemas });
  const { actual, expected } = compared;
  const empty: ReplayedFixPlanV1 = {
    statements: [],
    summary: [],
    renames: [],
    invalidIndexes: actual.invalidIndexes,
    destroys: [],
    proof: null,
  };
  if (!compared.drift) return empty;
  assertExpressible(compared.extras);
  const answered = await answeringHints(kit.version, (hints) => diffV1(kit, internals, actual, expected, hints, true), {
    ...answers,
    command: 'fix',
  });
  const grouped = withoutRedefined(answered.result.groupedStatements as Grouped[], compared.extras);
  // an invalid index is dropped before it is built again (it still holds its name)
  const invalid = actual.invalidIndexes;
  const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const kitSql = grouped.flatMap((g) => {
    const index =
      g.jsonStatement.type === 'create_index'
        ? (g.jsonStatement.index as { schema?: string; table?: string; name?: string } | undefined)
        : undefined;
    const broken =
      index && invalid.find((x) => x.name === index.name && x.table === index.table && x.schema === (index.schema || 'public'));
    return broken ? [`DROP INDEX IF EXISTS ${ident(broken.schema)}.${ident(broken.name)};`, ...g.sqlStatements] : g.sqlStatements;
  });
  const extras = extrasAround(compared.extras);
  const statements = await idempotent([...extras.first, ...kitSql, ...extras.last]);
  const destroys = await destroyedData(
    live,
    grouped.map((g) => g.jsonStatement),
  );

  // the proof: on the replay the fix changes nothing; on a copy of the live schema it leaves no drift
  const reverse = await compareReadingsV1(kit, expected, actual, { actual: 'the migrations', expected: 'the database' });
  const cannotCopy = reverse.extras.filter((e) => e.sql === null).map((e) => e.line);
  const early = (e: ExtraDifference) => e.kind === 'extension' || e.kind === 'function';
  const toLive = [
    ...reverse.extras.filter(early).flatMap((e) => e.sql ?? []),
    ...reverse.statements,
    ...reverse.extras.filter((e) => !early(e)).flatMap((e) => e.sql ?? []),
  ];
  await proveFix(
    { scratch, statements, actual, expected, toLive, cannotCopy, invalidIndexes: invalid },
    {
      read: async () => readSideV1(kit, scratch, settings, { schemas: await userSchemasV1(scratch), excludeSchemas }),
      compare: (a, b, labels) => compareReadingsV1(kit, a, b, labels),
    },
  );
  return {
    statements,
    summary: [...compared.summary],
    renames: answered.renames,
    invalidIndexes: invalid,
    destroys,
    proof: 'applied to a copy of the live schema in a scratch database: no drift left; applied to the replayed migrations: nothing changed',
  };
}

/** The data the statements destroy in the live database (columns and tables holding rows). */
async function destroyedData(live: postgres.Sql, statements: readonly Grouped['jsonStatement'][]): Promise<string[]> {
  const out: string[] = [];
  const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
  for (const st of statements) {
    try {
      if (st.type === 'drop_column') {
        const column = st.column as { schema?: string; table: string; name: string };
        const schema = column.schema || 'public';
        const [row] = await live.unsafe(`select count(${ident(column.name)})::bigint as n from ${ident(schema)}.${ident(column.table)}`);
        const n = Number(row?.n ?? 0);
        if (n > 0)
          out.push(`column ${schema === 'public' ? '' : `${schema}.`}${column.table}.${column.name} (${n} value${n === 1 ? '' : 's'})`);
      } else if (st.type === 'drop_table') {
        const table = st.table as { schema?: string; name: string };
        const schema = table.schema || 'public';
        const [row] = await live.unsafe(`select count(*)::bigint as n from ${ident(schema)}.${ident(table.name)}`);
        const n = Number(row?.n ?? 0);
        if (n > 0) out.push(`table ${schema === 'public' ? '' : `${schema}.`}${table.name} (${n} row${n === 1 ? '' : 's'})`);
      }
    } catch {
      out.push(`${st.type === 'drop_table' ? 'table' : 'column'} (its rows could not be counted)`);
    }
  }
  return out;
}

/**
 * What the migrations' SQL makes against the schema in code, on drizzle-kit 1.0: the replayed
 * scratch database read by 1.0's introspection (as drift reads it; `replayed` when nothing was
 * replayed on top of it) against the schema in code as 1.0's generate reads it
 * (`generateDrizzleJson`), compared by 1.0's DDL diff in push mode (what `drizzle-kit push` would
 * do to the database). drizzle-kit's view only: no catalog extras on either side, as on 0.31.
 */
export async function compareSqlWithCodeV1(
  kit: InstalledKit,
  settings: DrizzleSettings,
  scratch: postgres.Sql,
  options: { replayed: ReadingV1 | null; excludeSchemas?: readonly string[] | undefined },
): Promise<{ drift: boolean; summary: string[] }> {
  const sqlSide =
    options.replayed ??
    (await readSideV1(kit, scratch, settings, { schemas: await userSchemasV1(scratch), excludeSchemas: options.excludeSchemas }));
  const api = loadApiV1(kit);
  const code = await codeExportsV1(kit, settings);
  // generateDrizzleJson exits the process on a schema error it prints: here that error is thrown
  let state: Awaited<ReturnType<typeof api.generateDrizzleJson>>;
  try {
    state = await whileExitThrows(
      () => api.generateDrizzleJson(code.imports, undefined, settings.schemaFilter ? [...settings.schemaFilter] : undefined),
      (exitCode, printed) =>
        new DbctlError(
          'OPERATION_FAILED',
          `drizzle-kit ${kit.version} cannot read the schema in code: ${printed || `it exited with ${String(exitCode ?? 0)}`}`,
          {
            hint: 'run `npx drizzle-kit generate` to see its errors',
          },
        ),
    );
  } catch (error) {
    throw failed(kit, 'reading of the schema in code', error);
  }
  const compared = await compareReadingsV1(
    kit,
    { ...sqlSide, extras: [] },
    { interim: undefined, entities: state.ddl, extras: [], invalidIndexes: [] },
    { actual: "the migrations' SQL", expected: 'the schema in code' },
  );
  return { drift: compared.drift, summary: compared.summary };
}
