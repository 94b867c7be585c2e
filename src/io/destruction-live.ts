/**
 * What a migration's planned destruction means in the live database, read under the migration
 * lock just before it runs: names resolved with the session's real search_path (or the
 * migration's own `SET search_path`), `DROP TYPE/DOMAIN … CASCADE` expanded to the columns using
 * the type, `DROP SCHEMA … CASCADE` to its tables, `TRUNCATE … CASCADE` to the tables whose
 * foreign keys reach it, and each table's rows: an object of a table that holds no rows destroys
 * nothing (no backup, no refusal). Emptiness read here is only a plan: the apply engine locks
 * those tables inside the migration's transaction and checks again.
 */
import type postgres from 'postgres';
import type { DestroyedObject } from '../core/classify.js';
import type { TableName } from './apply.js';

/** A planned object as the live database resolves it. */
export interface LiveObject {
  object: DestroyedObject;
  /** Tables (and columns) it reaches in the live database. */
  reaches: { schema: string; table: string; column?: string }[];
}

/** The live reading of a migration's plan. */
export interface LiveResolution {
  /** What must be backed up: resolved objects of tables that hold rows (or may, behind row-level security). */
  holding: DestroyedObject[];
  /** Tables judged empty now: nothing of them needs a backup, and the transaction re-checks them under lock. */
  empty: TableName[];
  /** `schema.table[.column]` of everything the plan reaches (for `--no-backup` allowances). */
  planned: string[];
  /** Objects whose name resolves to nothing now (created later in the run, or never there). */
  missing: DestroyedObject[];
}

type Extra = DestroyedObject;

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const TABLE_KINDS = new Set(['table', 'column', 'rows']);

/** Resolves `objects` against the live database through `sql` (outside any transaction). */
export async function resolveLive(sql: postgres.Sql, objects: readonly DestroyedObject[]): Promise<LiveResolution> {
  const result: LiveResolution = { holding: [], empty: [], planned: [], missing: [] };
  const relevant = (objects as Extra[]).filter((o) => TABLE_KINDS.has(o.kind) || o.kind === 'type' || o.kind === 'schema');
  if (relevant.length === 0) return result;
  const [session] = await sql<{ path: string[]; user: string }[]>`select pg_catalog.current_schemas(false) as path, current_user as user`;
  const sessionPath = session!.path;
  const candidates = (o: Extra): string[] => {
    if (o.kind === 'schema') return [quoteIdent(o.schema || o.name || '')];
    const name = o.kind === 'type' ? (o.name ?? '') : (o.table ?? o.name ?? '');
    const schemas =
      o.qualified === false || !o.schema ? (o.searchPath?.map((s) => (s === '$user' ? session!.user : s)) ?? sessionPath) : [o.schema];
    return schemas.map((s) => `${quoteIdent(s)}.${quoteIdent(name)}`);
  };
  const names = [...new Set(relevant.flatMap(candidates))];
  const found = await sql<{ name: string; rel: string | null; typ: string | null; nsp: string | null }[]>`
    select u.name, pg_catalog.to_regclass(u.name)::oid::text as rel, pg_catalog.to_regtype(u.name)::oid::text as typ,
           (select n.oid::text from pg_catalog.pg_namespace n where '"' || pg_catalog.replace(n.nspname, '"', '""') || '"' = u.name) as nsp
      from pg_catalog.unnest(${names}::text[]) as u(name)`;
  const byName = new Map(found.map((r) => [r.name, r]));
  const relOids = new Map<Extra, string>();
  const typeOids = new Map<Extra, string>();
  const schemaOids = new Map<Extra, string>();
  for (const o of relevant) {
    const hits = candidates(o).map((c) => byName.get(c));
    const hit =
      o.kind === 'type'
        ? hits.find((h) => h?.typ)?.typ
        : o.kind === 'schema'
          ? hits.find((h) => h?.nsp)?.nsp
          : hits.find((h) => h?.rel)?.rel;
    if (!hit) result.missing.push(o);
    else if (o.kind === 'type') typeOids.set(o, hit);
    else if (o.kind === 'schema') schemaOids.set(o, hit);
    else relOids.set(o, hit);
  }
  // what each resolved object reaches: tables (partitioned parents cover their partitions) and columns
  const reach = await sql<{ key: string; schema: string; table: string; oid: string; col: string | null }[]>`
    with input as (
      select * from pg_catalog.jsonb_to_recordset(${sql.json(
        [...relOids.entries()]
          .map(([o, oid]) => ({ key: `r${relevant.indexOf(o)}`, oid, kind: o.kind, col: o.column ?? null, cascade: cascades(o) }))
          .concat(
            [...typeOids.entries()].map(([o, oid]) => ({
              key: `t${relevant.indexOf(o)}`,
              oid,
              kind: 'type',
              col: null,
              cascade: cascades(o),
            })),
          )
          .concat(
            [...schemaOids.entries()].map(([o, oid]) => ({
              key: `s${relevant.indexOf(o)}`,
              oid,
              kind: 'schema',
              col: null,
              cascade: cascades(o),
            })),
          ) as never,
      )}::jsonb) as x(key text, oid oid, kind text, col text, cascade boolean)
    ),
    types as (
      with recursive t(key, oid) as (
        select key, oid from input where kind = 'type'
        union
        select t.key, y.oid from t join pg_catalog.pg_type y on (y.typbasetype = t.oid or y.typelem = t.oid) and y.typtype in ('d', 'b')
      ) select * from t
    ),
    truncated as (
      with recursive r(key, oid) as (
        select key, oid from input where kind = 'rows'
        union
        select r.key, f.conrelid from r join pg_catalog.pg_constraint f on f.contype = 'f' and f.confrelid = r.oid
         join input i on i.key = r.key and i.cascade
      ) select * from r
    ),
    reached(key, oid, col) as (
      select key, oid, col from input where kind = 'table'
      union all select i.key, i.oid, i.col from input i where i.kind = 'column'
        and exists (select 1 from pg_catalog.pg_attribute a where a.attrelid = i.oid and a.attname = i.col and a.attnum > 0 and not a.attisdropped)
      union all select key, oid, null from truncated
      union all select t.key, a.attrelid, a.attname::text from types t join pg_catalog.pg_attribute a on a.atttypid = t.oid and a.attnum > 0 and not a.attisdropped
        join pg_catalog.pg_class c on c.oid = a.attrelid and c.relkind in ('r', 'p') and not c.relispartition
      union all select i.key, c.oid, null from input i join pg_catalog.pg_class c on c.relnamespace = i.oid and c.relkind in ('r', 'p') and not c.relispartition where i.kind = 'schema'
    )
    select r.key, n.nspname as schema, c.relname as table, c.oid::text as oid, r.col
      from reached r join pg_catalog.pg_class c on c.oid = r.oid join pg_catalog.pg_namespace n on n.oid = c.relnamespace`;
  // a type dropped without CASCADE that is in use fails the statement: it reaches nothing
  const tables = new Map<string, { schema: string; table: string }>();
  for (const r of reach) tables.set(r.oid, { schema: r.schema, table: r.table });
  const rows = await tableHoldsRows(sql, [...tables.entries()]);
  for (const o of relevant) {
    const key = relOids.has(o)
      ? `r${relevant.indexOf(o)}`
      : typeOids.has(o)
        ? `t${relevant.indexOf(o)}`
        : schemaOids.has(o)
          ? `s${relevant.indexOf(o)}`
          : null;
    if (!key) continue;
    for (const r of reach.filter((x) => x.key === key)) {
      const columnOf = o.kind === 'column' || o.kind === 'type' ? (r.col ?? undefined) : undefined;
      result.planned.push(`${r.schema}.${r.table}${columnOf ? `.${columnOf}` : ''}`);
      if (rows.get(r.oid)) {
        result.holding.push(
          columnOf
            ? { kind: 'column', schema: r.schema, table: r.table, column: columnOf, reason: o.reason }
            : { kind: o.kind === 'rows' ? 'rows' : 'table', schema: r.schema, table: r.table, reason: o.reason },
        );
      } else if (!result.empty.some((e) => e.schema === r.schema && e.table === r.table)) {
        result.empty.push({ schema: r.schema, table: r.table });
      }
    }
  }
  // a table both held (for one object) and judged empty (another) cannot be: keep it held
  result.empty = result.empty.filter((e) => !result.holding.some((h) => h.schema === e.schema && h.table === e.table));
  return result;
}

/**
 * `schema.table` of each table reference as PostgreSQL resolves it now: qualified names as written,
 * unqualified ones through the migration's `SET search_path` or the session's search_path (the
 * first schema where the table exists). References that resolve to nothing are left out.
 */
export async function resolveTables(
  sql: postgres.Sql,
  refs: readonly { schema: string; table: string; qualified?: boolean; searchPath?: string[] }[],
): Promise<string[]> {
  if (refs.length === 0) return [];
  const unqualified = refs.some((r) => r.qualified === false);
  const [session] = unqualified
    ? await sql<{ path: string[]; user: string }[]>`select pg_catalog.current_schemas(false) as path, current_user as user`
    : [];
  const candidates = refs.map((r) =>
    (r.qualified === false ? (r.searchPath?.map((s) => (s === '$user' ? session!.user : s)) ?? session!.path) : [r.schema]).map((s) => ({
      schema: s,
      table: r.table,
    })),
  );
  const names = [...new Set(candidates.flat().map((c) => `${quoteIdent(c.schema)}.${quoteIdent(c.table)}`))];
  const found = new Set(
    (
      await sql<
        { name: string }[]
      >`select u.name from pg_catalog.unnest(${names}::text[]) as u(name) where pg_catalog.to_regclass(u.name) is not null`
    ).map((r) => r.name),
  );
  const out: string[] = [];
  for (const list of candidates) {
    const hit = list.find((c) => found.has(`${quoteIdent(c.schema)}.${quoteIdent(c.table)}`));
    if (hit) out.push(`${hit.schema}.${hit.table}`);
  }
  return out;
}

function cascades(o: Extra): boolean {
  return o.cascade ?? /CASCADE/i.test(o.reason);
}

/**
 * Whether each table holds rows (partitioned tables through their partitions). Row-level security
 * that could hide rows from this role counts as holding rows: emptiness cannot be established.
 */
async function tableHoldsRows(sql: postgres.Sql, tables: [string, { schema: string; table: string }][]): Promise<Map<string, boolean>> {
  const out = new Map<string, boolean>();
  if (tables.length === 0) return out;
  const checks = tables
    .map(
      (
        [oid, t],
        i,
      ) => `select '${oid}' as oid, (exists (select 1 from ${quoteIdent(t.schema)}.${quoteIdent(t.table)}) or (c${i}.hidden)) as rows from (
        select c.relrowsecurity and not (r.rolsuper or r.rolbypassrls or (c.relowner = r.oid and not c.relforcerowsecurity)) as hidden
          from pg_catalog.pg_class c, pg_catalog.pg_roles r where c.oid = ${Number(oid)} and r.rolname = current_user) c${i}`,
    )
    .join('\nunion all\n');
  for (const r of await sql.unsafe<{ oid: string; rows: boolean }[]>(checks)) out.set(r.oid, r.rows);
  return out;
}
