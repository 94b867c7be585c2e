/**
 * The live database as a drizzle snapshot, read by drizzle-kit's own introspection
 * (`fromDatabase`, what `drizzle-kit push` and `pull` run), so a comparison with a snapshot
 * drizzle-kit generated speaks drizzle-kit's language.
 *
 * Which schemas are read: the drizzle config's `schemaFilter` (default `public`; an empty list
 * means every user schema), plus the schemas a caller names (those the schema in code or a
 * migration snapshot uses, so a `pgSchema('auth')` table outside the filter is not taken for
 * missing), minus the schemas dbctl and drizzle keep their own tables in (`drizzle`, the configured
 * migrations schema, `dbctl`, `dbctl_backups`). Tables are filtered by `tablesFilter` and
 * `extensionsFilters` exactly as drizzle-kit push filters them; drizzle's migrations table is never
 * part of the schema, whichever schema it lives in.
 *
 * What drizzle-kit 0.31's introspection gets wrong is corrected afterwards: unique constraints'
 * NULLS NOT DISTINCT (always read as false), sequences owned by a column of a table it skipped
 * (listed as standalone sequences), schemas without tables owned by a role that cannot log in (not
 * listed), and indexes PostgreSQL marks invalid (listed as if they worked).
 *
 * drizzle-kit's per-table catalog queries are answered from one query per kind (catalog-batch.ts).
 *
 * Read-only: only catalog queries, run in one read-only transaction for a consistent picture.
 */
import type postgres from 'postgres';
import type { DrizzleSettings } from '../../config/types.js';
import { DbctlError } from '../../errors.js';
import { loadKit } from '../kit/index.js';
import type { KitInternals, Snapshot } from '../generate/types.js';
import { batchedCatalog } from '../kit/catalog-batch.js';
import type { KitDb } from '../kit/db.js';

/** A drizzle-kit PostgreSQL snapshot (version 7), as plain JSON. */
export type PgSnapshot = Snapshot;

/** The `db` drizzle-kit's introspection and push checks query through. */
export type { KitDb } from '../kit/db.js';

/** Schemas dbctl and drizzle keep their own tables in: never part of the user's schema. */
export const OWN_SCHEMAS = ['drizzle', 'dbctl', 'dbctl_backups'] as const;

/** Options of an introspection. */
export interface IntrospectOptions {
  /** Schemas to read besides the drizzle config's `schemaFilter` (e.g. those the code uses). */
  schemas?: readonly string[];
  /** More schemas to leave out (dbctl's history schema when configured elsewhere). */
  excludeSchemas?: readonly string[];
  /** The schema in code, handed to drizzle-kit as `tsSchema` (links policies, as push does). */
  tsSchema?: PgSnapshot;
}

/** Adapts a postgres.js client to drizzle-kit's `db` (rows as postgres.js returns them). */
export function kitDb(sql: postgres.Sql | postgres.TransactionSql): KitDb {
  return { query: async (text, params) => [...(await sql.unsafe(text, (params ?? []) as postgres.ParameterOrJSON<never>[]))] };
}

/** The schemas never introspected for `settings`. */
export function excludedSchemas(settings: DrizzleSettings, extra: readonly string[] = []): Set<string> {
  const excluded = new Set<string>([...OWN_SCHEMAS, ...extra, settings.migrationsSchema]);
  excluded.delete('public'); // drizzle's table there is left out by name (see tableFilter)
  return excluded;
}

/**
 * drizzle-kit push's table filter: the config's `tablesFilter` globs (with `!` negations) plus the
 * tables an extension owns (`extensionsFilters: ['postgis']`), and never drizzle's migrations table.
 */
export function tableFilter(kit: KitInternals, settings: DrizzleSettings): (table: string) => boolean {
  const globs = typeof settings.tablesFilter === 'string' ? [settings.tablesFilter] : [...(settings.tablesFilter ?? [])];
  if (settings.extensionsFilters?.includes('postgis')) globs.push('!geography_columns', '!geometry_columns', '!spatial_ref_sys');
  const matchers = globs.map((glob) => new kit.Minimatch(glob));
  return (table: string) => {
    if (table === settings.migrationsTable) return false;
    if (matchers.length === 0) return true;
    const flags: boolean[] = [];
    for (const matcher of matchers) {
      if (matcher.negate && !matcher.match(table)) flags.push(false);
      if (matcher.match(table)) flags.push(true);
    }
    return flags.length > 0 ? flags.every(Boolean) : false;
  };
}

/**
 * `snapshot` without the tables `tablesFilter` leaves out of introspection, so that both sides of a
 * comparison see the same tables (a copy; the snapshot itself is unchanged).
 */
export function withTableFilter(kit: KitInternals, settings: DrizzleSettings, snapshot: PgSnapshot): PgSnapshot {
  if (settings.tablesFilter === undefined && !settings.extensionsFilters?.includes('postgis')) return snapshot;
  const keep = tableFilter(kit, settings);
  const tables = Object.fromEntries(
    Object.entries(snapshot.tables as Record<string, { name: string }>).filter(([, table]) => keep(table.name)),
  );
  return { ...snapshot, tables };
}

/** The schemas a snapshot's objects live in (tables, enums, sequences, views, declared schemas). */
export function schemasOf(snapshot: Record<string, unknown>): string[] {
  const found = new Set<string>();
  const each = (key: string) => Object.values((snapshot[key] ?? {}) as Record<string, { schema?: string }>);
  for (const table of each('tables')) found.add(table.schema || 'public');
  for (const key of ['enums', 'sequences', 'views']) for (const item of each(key)) found.add(item.schema || 'public');
  for (const name of Object.keys((snapshot.schemas ?? {}) as Record<string, string>)) found.add(name);
  return [...found];
}

/** The schemas to read: `schemaFilter` (every user schema when empty) plus `extra`, minus dbctl's and drizzle's. */
export async function introspectedSchemas(db: KitDb, settings: DrizzleSettings, options: IntrospectOptions = {}): Promise<string[]> {
  const excluded = excludedSchemas(settings, options.excludeSchemas);
  let wanted: string[];
  if (settings.schemaFilter && settings.schemaFilter.length > 0) {
    wanted = [...settings.schemaFilter];
  } else {
    const rows = await db.query(
      `select nspname from pg_catalog.pg_namespace
        where nspname not in ('information_schema', 'pg_catalog', 'pg_toast')
          and nspname not like 'pg_toast%' and nspname not like 'pg_temp_%'
        order by nspname`,
    );
    wanted = rows.map((row: { nspname: string }) => row.nspname);
  }
  for (const schema of options.schemas ?? []) if (!wanted.includes(schema)) wanted.push(schema);
  return wanted.filter((schema) => !excluded.has(schema) && /^[^']+$/.test(schema));
}

/** What introspection found besides drizzle-kit's snapshot: facts its introspection loses. */
export interface LiveFacts {
  /** Column defaults as PostgreSQL prints them (`pg_get_expr`), by `schema.table.column`. */
  rawDefaults: Map<string, string>;
  /** The schemas that were read. */
  schemas: string[];
  /**
   * Indexes PostgreSQL marks invalid (a `CREATE INDEX CONCURRENTLY` that failed): left out of the
   * snapshot, since they are not used, so a comparison reports them missing.
   */
  invalidIndexes: { schema: string; table: string; name: string }[];
}

/** An introspected database: the snapshot and the facts for aligning it with a code snapshot. */
export interface LiveSchema {
  snapshot: PgSnapshot;
  facts: LiveFacts;
}

/**
 * Reads the live schema as drizzle-kit's introspection sees it and returns it as a validated
 * snapshot (id drizzle-kit's origin id, prevId empty, as `pgPushIntrospect` returns it), with what
 * drizzle-kit 0.31's introspection gets wrong corrected (see the top of this file).
 */
export async function introspect(
  sql: postgres.Sql | postgres.TransactionSql,
  settings: DrizzleSettings,
  options: IntrospectOptions = {},
): Promise<PgSnapshot> {
  return (await introspectLive(sql, settings, options)).snapshot;
}

/** `introspect` with the facts `alignLive` needs. */
export async function introspectLive(
  sql: postgres.Sql | postgres.TransactionSql,
  settings: DrizzleSettings,
  options: IntrospectOptions = {},
): Promise<LiveSchema> {
  const kit = await loadKit(settings.baseDir);
  return await readOnly(sql, (db) => introspectWith(kit, db, settings, options));
}

/** `introspectLive` through an existing drizzle-kit `db` (inside a transaction the caller holds). */
export async function introspectWith(
  kit: KitInternals,
  db: KitDb,
  settings: DrizzleSettings,
  options: IntrospectOptions = {},
): Promise<LiveSchema> {
  const schemas = await introspectedSchemas(db, settings, options);
  if (schemas.length === 0) {
    // drizzle-kit reads every schema (pg_catalog included) when given none: there is nothing to read
    return { snapshot: kit.pgSchema.parse(kit.dryPg), facts: { rawDefaults: new Map(), schemas, invalidIndexes: [] } };
  }
  const roles = Object.keys((options.tsSchema?.roles ?? {}) as Record<string, unknown>);
  const entities = roles.length > 0 ? { roles: { include: roles } } : undefined;
  let body: Record<string, unknown>;
  try {
    body = await kit.fromDatabase(batchedCatalog(db, schemas), tableFilter(kit, settings), schemas, entities, undefined, options.tsSchema);
  } catch (error) {
    if (error instanceof DbctlError) throw error;
    throw new DbctlError(
      'OPERATION_FAILED',
      `could not read the database schema: ${error instanceof Error ? error.message : String(error)}`,
      {
        hint: 'the database user needs to read the catalog (pg_catalog, information_schema); run with --verbose for details',
        cause: error,
      },
    );
  }
  const { internal: _internal, ...rest } = body as Record<string, unknown> & { internal?: unknown };
  const snapshot = kit.pgSchema.parse({ id: kit.originUUID, prevId: '', ...rest });
  // each correction touches its own part of the snapshot: their queries go out together
  const [, , , invalidIndexes, rawDefaults] = await Promise.all([
    correctUniqueConstraints(db, snapshot, schemas),
    dropOwnedSequences(db, snapshot, schemas),
    addSchemas(db, snapshot, schemas),
    dropInvalidIndexes(db, snapshot, schemas),
    readRawDefaults(db, schemas),
  ]);
  return { snapshot, facts: { rawDefaults, schemas, invalidIndexes } };
}

/**
 * Sequences a column owns (serial, identity) belong to their table, not to the schema's standalone
 * sequences (`pgSequence`). drizzle-kit leaves them in when it skips their table (drizzle's own
 * migrations table, a `tablesFilter` exclusion); they go here.
 */
async function dropOwnedSequences(db: KitDb, snapshot: PgSnapshot, schemas: readonly string[]): Promise<void> {
  const rows = (await db.query(
    `select n.nspname as schema, s.relname as name
       from pg_catalog.pg_class s
       join pg_catalog.pg_namespace n on n.oid = s.relnamespace
       join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_class'::regclass and d.objid = s.oid
        and d.refclassid = 'pg_catalog.pg_class'::regclass and d.deptype in ('a', 'i')
      where s.relkind = 'S' and n.nspname in (${inList(schemas)})`,
  )) as { schema: string; name: string }[];
  const sequences = snapshot.sequences as Record<string, unknown>;
  for (const row of rows) delete sequences[`${row.schema}.${row.name}`];
}

/**
 * drizzle-kit lists a schema without tables only when a login role owns it; a schema that exists is
 * a schema that exists, whoever owns it (managed databases often give schemas to NOLOGIN roles).
 */
async function addSchemas(db: KitDb, snapshot: PgSnapshot, schemas: readonly string[]): Promise<void> {
  const rows = (await db.query(
    `select nspname from pg_catalog.pg_namespace where nspname in (${inList(schemas)}) and nspname <> 'public'`,
  )) as { nspname: string }[];
  const found = snapshot.schemas as Record<string, string>;
  for (const row of rows) found[row.nspname] = row.nspname;
}

/** Removes invalid indexes from the snapshot and returns them. */
async function dropInvalidIndexes(db: KitDb, snapshot: PgSnapshot, schemas: readonly string[]): Promise<LiveFacts['invalidIndexes']> {
  const rows = (await db.query(
    `select n.nspname as schema, t.relname as table, ic.relname as name
       from pg_catalog.pg_index i
       join pg_catalog.pg_class ic on ic.oid = i.indexrelid
       join pg_catalog.pg_class t on t.oid = i.indrelid
       join pg_catalog.pg_namespace n on n.oid = t.relnamespace
      where not i.indisvalid and n.nspname in (${inList(schemas)})`,
  )) as { schema: string; table: string; name: string }[];
  const tables = snapshot.tables as Record<string, { indexes: Record<string, unknown> }>;
  for (const row of rows) delete tables[`${row.schema}.${row.table}`]?.indexes[row.name];
  return rows.map((row) => ({ schema: row.schema, table: row.table, name: row.name }));
}

const inList = (schemas: readonly string[]) => schemas.map((it) => `'${it.replace(/'/g, "''")}'`).join(', ');

/** drizzle-kit 0.31 reads every unique constraint as NULLS DISTINCT; PostgreSQL 15+ knows better. */
async function correctUniqueConstraints(db: KitDb, snapshot: PgSnapshot, schemas: readonly string[]): Promise<void> {
  const [version] = await db.query(`select current_setting('server_version_num')::int as num`);
  if (Number(version?.num ?? 0) < 150000) return;
  const rows = await db.query(
    `select n.nspname as schema, t.relname as table, c.conname as name, i.indnullsnotdistinct as nnd
       from pg_catalog.pg_constraint c
       join pg_catalog.pg_class t on t.oid = c.conrelid
       join pg_catalog.pg_namespace n on n.oid = t.relnamespace
       join pg_catalog.pg_index i on i.indexrelid = c.conindid
      where c.contype = 'u' and n.nspname in (${inList(schemas)})`,
  );
  const tables = snapshot.tables as Record<string, { uniqueConstraints: Record<string, { nullsNotDistinct: boolean }> }>;
  for (const row of rows as { schema: string; table: string; name: string; nnd: boolean }[]) {
    const unique = tables[`${row.schema}.${row.table}`]?.uniqueConstraints[row.name];
    if (unique) unique.nullsNotDistinct = row.nnd === true;
  }
}

/** Every column default as PostgreSQL prints it, by `schema.table.column`. */
async function readRawDefaults(db: KitDb, schemas: readonly string[]): Promise<Map<string, string>> {
  const rows = await db.query(
    `select n.nspname as schema, c.relname as table, a.attname as column, pg_catalog.pg_get_expr(d.adbin, d.adrelid) as expr
       from pg_catalog.pg_attrdef d
       join pg_catalog.pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum and not a.attisdropped
       join pg_catalog.pg_class c on c.oid = d.adrelid
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname in (${inList(schemas)}) and a.attgenerated = ''`,
  );
  return new Map(
    (rows as { schema: string; table: string; column: string; expr: string }[]).map((row) => [
      `${row.schema}.${row.table}.${row.column}`,
      row.expr,
    ]),
  );
}

/**
 * Runs `work` in one read-only, repeatable-read transaction (a consistent view of the catalog);
 * inside a transaction the caller already holds (a `TransactionSql`), in that one.
 */
export async function readOnly<T>(sql: postgres.Sql | postgres.TransactionSql, work: (db: KitDb) => Promise<T>): Promise<T> {
  if (typeof (sql as postgres.Sql).begin !== 'function') return await work(kitDb(sql));
  return (await (sql as postgres.Sql).begin('isolation level repeatable read read only', (tx) => work(kitDb(tx)))) as T;
}
