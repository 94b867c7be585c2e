/**
 * Reading what the backup engine needs from the PostgreSQL catalog: tables and their columns and
 * keys (to plan), full definitions (to recreate), and the current shape of a table (to restore).
 *
 * Callers run these inside a transaction with `search_path = pg_catalog`, so every type, default,
 * constraint and index definition comes back schema-qualified and can be replayed anywhere.
 */
import type postgres from 'postgres';
import type { CatalogQuestion, CatalogTable } from './plan.js';
import type { CurrentTable } from './restore-plan.js';
import type { ColumnInfo, ConstraintInfo, EnumInfo, IndexInfo, ReferencingConstraint, SequenceInfo, TableDefinition } from './types.js';
import { BACKUP_SCHEMA } from './types.js';
import { definitionText } from './ddl.js';

type Sql = postgres.Sql | postgres.TransactionSql;

/** Schemas holding user tables: not system schemas, not `dbctl_backups`, not extension-owned. */
export async function readUserSchemas(sql: Sql): Promise<string[]> {
  const rows = await sql<{ schema: string }[]>`
    select distinct n.nspname as schema
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p')
      and n.nspname not in ('pg_catalog', 'information_schema', ${BACKUP_SCHEMA})
      and n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
      and not exists (select 1 from pg_catalog.pg_depend d
                      where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.objid = c.oid and d.deptype = 'e')
    order by 1`;
  return rows.map((r) => r.schema);
}

interface TableRow {
  oid: string;
  schema: string;
  table: string;
  kind: string;
  est: number;
  parent_schema: string | null;
  parent_table: string | null;
  ref: string;
}

/** A catalog table with the facts needed to read its definition. */
export interface CatalogTableWithOid extends CatalogTable {
  oid: string;
  /** `public.users` as PostgreSQL quotes it in index definitions. */
  ref: string;
}

/** Describes the tables a request names and every table of the schemas it names. */
export async function readCatalog(sql: Sql, question: CatalogQuestion): Promise<{ tables: CatalogTableWithOid[] }> {
  if (question.tables.length === 0 && question.schemas.length === 0) return { tables: [] };
  const rows = await sql<TableRow[]>`
    select c.oid::pg_catalog.int8::pg_catalog.text as oid, n.nspname as schema, c.relname as table, c.relkind as kind,
           greatest(c.reltuples, 0)::pg_catalog.float8 as est,
           pn.nspname as parent_schema, p.relname as parent_table,
           pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) as ref
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    left join pg_catalog.pg_inherits i on i.inhrelid = c.oid and c.relispartition
    left join pg_catalog.pg_class p on p.oid = i.inhparent
    left join pg_catalog.pg_namespace pn on pn.oid = p.relnamespace
    where c.relkind in ('r', 'p')
      and ((n.nspname, c.relname) in (select * from unnest(${question.tables.map((t) => t.schema)}::pg_catalog.text[], ${question.tables.map((t) => t.table)}::pg_catalog.text[]))
           or n.nspname = any(${question.schemas}::pg_catalog.text[]))
      and not exists (select 1 from pg_catalog.pg_depend d
                      where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.objid = c.oid and d.deptype = 'e')
    order by n.nspname, c.relname`;
  if (rows.length === 0) return { tables: [] };
  const oids = rows.map((r) => r.oid);
  const [columns, keys] = await Promise.all([readColumns(sql, oids), readPrimaryKeys(sql, oids)]);
  return {
    tables: rows.map((r) => ({
      oid: r.oid,
      ref: r.ref,
      schema: r.schema,
      table: r.table,
      kind: r.kind === 'p' ? 'partitioned' : 'table',
      partitionOf: r.parent_schema && r.parent_table ? { schema: r.parent_schema, table: r.parent_table } : null,
      columns: columns.get(r.oid) ?? [],
      primaryKey: keys.get(r.oid) ?? [],
      estimatedRows: Math.round(r.est),
    })),
  };
}

interface ColumnRow {
  oid: string;
  generated_expr: string | null;
  name: string;
  type: string;
  not_null: boolean;
  default: string | null;
  identity: string;
  generated: string;
  collation: string | null;
  user_type: boolean;
}

/** Columns of the tables, in table order. */
async function readColumns(sql: Sql, oids: string[]): Promise<Map<string, ColumnInfo[]>> {
  const rows = await sql<ColumnRow[]>`
    select a.attrelid::pg_catalog.int8::pg_catalog.text as oid, a.attname as name,
           pg_catalog.format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null,
           case when a.attgenerated = '' then pg_catalog.pg_get_expr(d.adbin, d.adrelid) end as default,
           a.attidentity as identity, a.attgenerated as generated,
           case when a.attgenerated <> '' then pg_catalog.pg_get_expr(d.adbin, d.adrelid) end as generated_expr,
           case when a.attcollation <> 0 and a.attcollation <> t.typcollation then
             (select pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
              from pg_catalog.pg_collation co join pg_catalog.pg_namespace cn on cn.oid = co.collnamespace where co.oid = a.attcollation)
           end as collation,
           (a.atttypid >= 16384 or (t.typelem <> 0 and t.typelem >= 16384)) as user_type
    from pg_catalog.pg_attribute a
    join pg_catalog.pg_type t on t.oid = a.atttypid
    left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attrelid = any(${oids}::pg_catalog.oid[]) and a.attnum > 0 and not a.attisdropped
    order by a.attrelid, a.attnum`;
  const byTable = new Map<string, ColumnInfo[]>();
  for (const row of rows) {
    const list = byTable.get(row.oid) ?? [];
    list.push({
      name: row.name,
      type: row.type,
      notNull: row.not_null,
      default: row.default,
      identity: row.identity === 'a' || row.identity === 'd' ? row.identity : null,
      generated: row.generated === 's' ? row.generated_expr ?? '' : null,
      collation: row.collation,
      ...(row.user_type ? { storedAsText: true } : {}),
    });
    byTable.set(row.oid, list);
  }
  // storedAsText is only a hint here (a user-defined type); the database target decides to use it.
  return byTable;
}

/** Primary key columns in key order. */
async function readPrimaryKeys(sql: Sql, oids: string[]): Promise<Map<string, string[]>> {
  const rows = await sql<{ oid: string; columns: string[] }[]>`
    select i.indrelid::pg_catalog.int8::pg_catalog.text as oid,
           pg_catalog.array_agg(a.attname::pg_catalog.text order by k.ord) as columns
    from pg_catalog.pg_index i
    cross join lateral pg_catalog.unnest(i.indkey::pg_catalog.int2[]) with ordinality as k(attnum, ord)
    join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
    where i.indisprimary and i.indrelid = any(${oids}::pg_catalog.oid[])
    group by i.indrelid`;
  return new Map(rows.map((r) => [r.oid, r.columns]));
}

/** Full definitions (constraints, indexes, sequences, enum types, foreign keys pointing here) of tables. */
export async function readDefinitions(sql: Sql, tables: readonly CatalogTableWithOid[]): Promise<Map<string, TableDefinition>> {
  const result = new Map<string, TableDefinition>();
  if (tables.length === 0) return result;
  const oids = tables.map((t) => t.oid);
  const [constraints, indexes, referencing, sequences, enums] = await Promise.all([
    sql<(ConstraintInfo & { oid: string })[]>`
      select conrelid::pg_catalog.int8::pg_catalog.text as oid, conname as name, contype as type, pg_catalog.pg_get_constraintdef(oid) as def
      from pg_catalog.pg_constraint
      where conrelid = any(${oids}::pg_catalog.oid[]) and contype in ('p', 'u', 'c', 'f', 'x') and coninhcount = 0
      order by conname`,
    sql<(IndexInfo & { oid: string })[]>`
      select i.indrelid::pg_catalog.int8::pg_catalog.text as oid, ic.relname as name, pg_catalog.pg_get_indexdef(i.indexrelid) as def
      from pg_catalog.pg_index i join pg_catalog.pg_class ic on ic.oid = i.indexrelid
      where i.indrelid = any(${oids}::pg_catalog.oid[])
        and not exists (select 1 from pg_catalog.pg_constraint c
                        where c.conindid = i.indexrelid and c.conrelid = i.indrelid and c.contype in ('p', 'u', 'x'))
      order by ic.relname`,
    sql<(ReferencingConstraint & { oid: string })[]>`
      select c.confrelid::pg_catalog.int8::pg_catalog.text as oid, n.nspname as schema, r.relname as table, c.conname as name,
             pg_catalog.pg_get_constraintdef(c.oid) as def
      from pg_catalog.pg_constraint c
      join pg_catalog.pg_class r on r.oid = c.conrelid
      join pg_catalog.pg_namespace n on n.oid = r.relnamespace
      where c.contype = 'f' and c.confrelid = any(${oids}::pg_catalog.oid[]) and c.conrelid <> c.confrelid
      order by n.nspname, r.relname, c.conname`,
    sql<{ oid: string; column: string; schema: string; name: string; deptype: string; type: string; start: string; increment: string; min: string; max: string; cache: string; cycle: boolean; last_value: string | null }[]>`
      select d.refobjid::pg_catalog.int8::pg_catalog.text as oid, a.attname as column, sn.nspname as schema, s.relname as name, d.deptype,
             pg_catalog.format_type(q.seqtypid, null) as type, q.seqstart::pg_catalog.text as start, q.seqincrement::pg_catalog.text as increment,
             q.seqmin::pg_catalog.text as min, q.seqmax::pg_catalog.text as max, q.seqcache::pg_catalog.text as cache, q.seqcycle as cycle,
             pg_catalog.pg_sequence_last_value(s.oid)::pg_catalog.text as last_value
      from pg_catalog.pg_depend d
      join pg_catalog.pg_class s on s.oid = d.objid and s.relkind = 'S'
      join pg_catalog.pg_namespace sn on sn.oid = s.relnamespace
      join pg_catalog.pg_sequence q on q.seqrelid = s.oid
      join pg_catalog.pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
      where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
        and d.refobjid = any(${oids}::pg_catalog.oid[]) and d.deptype in ('a', 'i')`,
    sql<{ oid: string; schema: string; name: string; labels: string[] }[]>`
      select distinct a.attrelid::pg_catalog.int8::pg_catalog.text as oid, tn.nspname as schema, et.typname as name,
             (select pg_catalog.array_agg(e.enumlabel::pg_catalog.text order by e.enumsortorder) from pg_catalog.pg_enum e where e.enumtypid = et.oid) as labels
      from pg_catalog.pg_attribute a
      join pg_catalog.pg_type t on t.oid = a.atttypid
      join pg_catalog.pg_type et on et.oid = (case when t.typtype = 'e' then t.oid else t.typelem end) and et.typtype = 'e'
      join pg_catalog.pg_namespace tn on tn.oid = et.typnamespace
      where a.attrelid = any(${oids}::pg_catalog.oid[]) and a.attnum > 0 and not a.attisdropped`,
  ]);
  for (const table of tables) {
    const mine = <T extends { oid: string }>(rows: readonly T[]) => rows.filter((r) => r.oid === table.oid).map(({ oid: _oid, ...rest }) => rest);
    const definition: Omit<TableDefinition, 'ddl'> = {
      tableRef: table.ref,
      columns: table.columns.map(({ storedAsText: _s, ...c }) => c),
      constraints: mine(constraints).map((c) => ({ name: c.name, type: c.type, def: c.def })),
      indexes: mine(indexes),
      referencedBy: mine(referencing),
      sequences: mine(sequences).map(
        (s): SequenceInfo => ({
          schema: s.schema,
          name: s.name,
          column: s.column,
          kind: s.deptype === 'i' ? 'identity' : 'serial',
          type: s.type,
          start: s.start,
          increment: s.increment,
          min: s.min,
          max: s.max,
          cache: s.cache,
          cycle: s.cycle,
          lastValue: s.last_value,
        }),
      ),
      enums: mine(enums).map((e): EnumInfo => ({ schema: e.schema, name: e.name, labels: e.labels ?? [] })),
    };
    result.set(table.oid, { ...definition, ddl: definitionText(definition, { schema: table.schema, table: table.table }) });
  }
  return result;
}

/** The current shape of a table (null when it does not exist), for planning a restore. */
export async function readCurrentTable(sql: Sql, schema: string, table: string): Promise<CurrentTable | null> {
  const [found] = await sql<{ oid: string; has_unique: boolean; ref: string }[]>`
    select c.oid::pg_catalog.int8::pg_catalog.text as oid,
           exists (select 1 from pg_catalog.pg_index i where i.indrelid = c.oid and i.indisunique) as has_unique,
           pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) as ref
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${schema} and c.relname = ${table} and c.relkind in ('r', 'p')`;
  if (!found) {
    const [other] = await sql<{ kind: string }[]>`
      select c.relkind::pg_catalog.text as kind from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${schema} and c.relname = ${table}`;
    if (other) throw new Error(`${schema}.${table} exists but is not a table (relkind ${other.kind})`);
    return null;
  }
  const [columns, keys, [rows]] = await Promise.all([
    readColumns(sql, [found.oid]),
    readPrimaryKeys(sql, [found.oid]),
    sql.unsafe<{ empty: boolean }[]>(`select not exists (select 1 from ${found.ref}) as empty`),
  ]);
  return {
    columns: (columns.get(found.oid) ?? []).map((c) => ({ name: c.name, type: c.type, notNull: c.notNull, generated: c.generated !== null })),
    primaryKey: keys.get(found.oid) ?? [],
    hasUniqueKey: found.has_unique,
    empty: rows?.empty ?? true,
  };
}

/**
 * Tables whose rows go too when `roots` are emptied: for TRUNCATE ... CASCADE every table that
 * references them (recursively); for DELETE, those referencing them with ON DELETE CASCADE, SET NULL
 * or SET DEFAULT (recursively through cascades). Each with the table it was reached from, the
 * foreign key's ON DELETE action (`c`, `n`, `d`, ...) and its columns.
 */
export async function readCascadeTables(
  sql: Sql,
  roots: readonly { schema: string; table: string }[],
  mode: 'truncate' | 'delete',
): Promise<{ schema: string; table: string; via: string; action: string; columns: string[] }[]> {
  if (roots.length === 0) return [];
  const actions = ['c', 'n', 'd'];
  const rows = await sql<{ schema: string; table: string; via: string; action: string; columns: string[] }[]>`
    with recursive roots as (
      select c.oid from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where (n.nspname, c.relname) in (select * from unnest(${roots.map((r) => r.schema)}::pg_catalog.text[], ${roots.map((r) => r.table)}::pg_catalog.text[]))
    ), reached(oid, via, action, keys) as (
      select k.conrelid, k.confrelid, k.confdeltype::pg_catalog.text, k.conkey
      from pg_catalog.pg_constraint k join roots on k.confrelid = roots.oid
      where k.contype = 'f' and (${mode === 'truncate'}::pg_catalog.bool or k.confdeltype::pg_catalog.text = any(${actions}::pg_catalog.text[]))
      union
      select k.conrelid, k.confrelid, k.confdeltype::pg_catalog.text, k.conkey
      from pg_catalog.pg_constraint k join reached r on k.confrelid = r.oid
      where k.contype = 'f'
        and (${mode === 'truncate'}::pg_catalog.bool or (r.action = 'c' and k.confdeltype::pg_catalog.text = any(${actions}::pg_catalog.text[])))
    )
    select n.nspname as schema, c.relname as table, vn.nspname || '.' || v.relname as via, r.action,
           (select pg_catalog.array_agg(a.attname::pg_catalog.text order by a.attnum) from pg_catalog.pg_attribute a
             where a.attrelid = r.oid and a.attnum = any(r.keys)) as columns
    from reached r
    join pg_catalog.pg_class c on c.oid = r.oid join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    join pg_catalog.pg_class v on v.oid = r.via join pg_catalog.pg_namespace vn on vn.oid = v.relnamespace
    where r.oid not in (select oid from roots)
    order by n.nspname, c.relname`;
  return [...rows];
}

/** Foreign keys among the given tables (`from` references `to`, both `schema.table`). */
export async function readReferenceEdges(sql: Sql, tables: readonly { schema: string; table: string }[]): Promise<{ from: string; to: string }[]> {
  if (tables.length === 0) return [];
  const rows = await sql<{ from: string; to: string }[]>`
    with wanted as (select * from unnest(${tables.map((t) => t.schema)}::pg_catalog.text[], ${tables.map((t) => t.table)}::pg_catalog.text[]) as w(s, t))
    select distinct cn.nspname || '.' || c.relname as from, pn.nspname || '.' || p.relname as to
    from pg_catalog.pg_constraint k
    join pg_catalog.pg_class c on c.oid = k.conrelid join pg_catalog.pg_namespace cn on cn.oid = c.relnamespace
    join pg_catalog.pg_class p on p.oid = k.confrelid join pg_catalog.pg_namespace pn on pn.oid = p.relnamespace
    where k.contype = 'f' and (cn.nspname, c.relname) in (select s, t from wanted) and (pn.nspname, p.relname) in (select s, t from wanted)`;
  return [...rows];
}

/** True when a type (qualified as format_type prints it) exists. */
export async function typeExists(sql: Sql, schema: string, name: string): Promise<boolean> {
  const [row] = await sql<{ found: boolean }[]>`
    select exists (select 1 from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
                   where n.nspname = ${schema} and t.typname = ${name}) as found`;
  return Boolean(row?.found);
}

/** True when a constraint of that name exists on the table. */
export async function constraintExists(sql: Sql, schema: string, table: string, name: string): Promise<boolean | null> {
  const [row] = await sql<{ found: boolean | null }[]>`
    select case when c.oid is null then null
                else exists (select 1 from pg_catalog.pg_constraint k where k.conrelid = c.oid and k.conname = ${name}) end as found
    from (select 1) one
    left join (pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace and n.nspname = ${schema})
      on c.relname = ${table} and c.relkind in ('r', 'p')`;
  return row?.found ?? null;
}
