/**
 * Reading what the backup engine needs from the PostgreSQL catalog: tables and their columns and
 * keys (to plan), full definitions (to recreate), and the current shape of a table (to restore).
 *
 * Callers run these inside a transaction with `search_path = pg_catalog`, so every type, default,
 * constraint and index definition comes back schema-qualified and can be replayed anywhere.
 */
import { DbctlError } from '../errors.js';
import type postgres from 'postgres';
import type { CatalogQuestion, CatalogTable } from './plan.js';
import type { CurrentTable } from './restore-plan.js';
import type {
  ColumnInfo,
  ConstraintInfo,
  EnumInfo,
  IndexInfo,
  PartitionInfo,
  ReferencingConstraint,
  SequenceInfo,
  TableDefinition,
  UserTypeInfo,
} from './types.js';
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
  attnum: number;
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
    select a.attrelid::pg_catalog.int8::pg_catalog.text as oid, a.attnum::pg_catalog.int4 as attnum, a.attname as name,
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
      generated: row.generated === 's' ? (row.generated_expr ?? '') : null,
      collation: row.collation,
      ...(row.user_type ? { storedAsText: true } : {}),
      attnum: row.attnum,
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
  const [constraints, indexes, referencing, sequences, enums, partitioning] = await Promise.all([
    sql<(ConstraintInfo & { oid: string })[]>`
      select conrelid::pg_catalog.int8::pg_catalog.text as oid, conname as name, contype as type, pg_catalog.pg_get_constraintdef(oid) as def
      from pg_catalog.pg_constraint
      where conrelid = any(${oids}::pg_catalog.oid[]) and contype in ('p', 'u', 'c', 'f', 'x') and (coninhcount = 0 or contype = 'c')
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
      where c.contype = 'f' and c.confrelid = any(${oids}::pg_catalog.oid[]) and c.conrelid <> c.confrelid and c.conparentid = 0
      order by n.nspname, r.relname, c.conname`,
    sql<(Omit<SequenceInfo, 'kind' | 'lastValue'> & { oid: string; deptype: string; last_value: string | null })[]>`
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
    readPartitioning(sql, oids),
  ]);
  for (const table of tables) {
    const mine = <T extends { oid: string }>(rows: readonly T[]) =>
      rows.filter((r) => r.oid === table.oid).map(({ oid: _oid, ...rest }) => rest);
    const definition: Omit<TableDefinition, 'ddl'> = {
      tableRef: table.ref,
      columns: table.columns.map(({ storedAsText: _s, attnum: _a, ...c }) => c),
      constraints: mine(constraints).map((c) => ({ name: c.name, type: c.type, def: c.def })),
      indexes: mine(indexes),
      referencedBy: mine(referencing),
      sequences: mine(sequences).map((s): SequenceInfo => ({
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
      })),
      enums: mine(enums).map((e): EnumInfo => ({ schema: e.schema, name: e.name, labels: e.labels ?? [] })),
      ...partitioning.get(table.oid),
    };
    result.set(table.oid, { ...definition, ddl: definitionText(definition, { schema: table.schema, table: table.table }) });
  }
  return result;
}

/**
 * How the tables take part in partitioning: a partitioned table's key (`pg_get_partkeydef`) and
 * every partition below it (parents first, with `pg_get_expr(relpartbound)`); a partition's parent.
 */
async function readPartitioning(
  sql: Sql,
  oids: string[],
): Promise<Map<string, Pick<TableDefinition, 'partitionBy' | 'partitions' | 'partitionOf'>>> {
  const rows = await sql<
    {
      root: string;
      depth: number;
      schema: string;
      table: string;
      parent_schema: string;
      parent_table: string;
      bound: string;
      partition_by: string | null;
      is_root: boolean;
    }[]
  >`
    with recursive tree(root, oid, depth) as (
      select c.oid, c.oid, 0 from pg_catalog.pg_class c where c.oid = any(${oids}::pg_catalog.oid[]) and (c.relkind = 'p' or c.relispartition)
      union all
      select t.root, i.inhrelid, t.depth + 1 from tree t join pg_catalog.pg_inherits i on i.inhparent = t.oid
      join pg_catalog.pg_class pc on pc.oid = t.oid where pc.relkind = 'p'
    )
    select t.root::pg_catalog.int8::pg_catalog.text as root, t.depth, n.nspname as schema, c.relname as table,
           pn.nspname as parent_schema, p.relname as parent_table,
           pg_catalog.pg_get_expr(c.relpartbound, c.oid) as bound,
           case when c.relkind = 'p' then pg_catalog.pg_get_partkeydef(c.oid) end as partition_by,
           t.depth = 0 as is_root
    from tree t
    join pg_catalog.pg_class c on c.oid = t.oid join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    left join pg_catalog.pg_inherits i on i.inhrelid = c.oid and c.relispartition
    left join pg_catalog.pg_class p on p.oid = i.inhparent left join pg_catalog.pg_namespace pn on pn.oid = p.relnamespace
    order by t.root, t.depth, n.nspname, c.relname`;
  const result = new Map<string, Pick<TableDefinition, 'partitionBy' | 'partitions' | 'partitionOf'>>();
  for (const row of rows) {
    const entry = result.get(row.root) ?? { partitionBy: null, partitions: [], partitionOf: null };
    const info = (): PartitionInfo => ({
      schema: row.schema,
      table: row.table,
      parentSchema: row.parent_schema,
      parentTable: row.parent_table,
      bound: row.bound,
      partitionBy: row.partition_by,
    });
    if (row.is_root) {
      entry.partitionBy = row.partition_by;
      if (row.parent_table) entry.partitionOf = info();
    } else entry.partitions!.push(info());
    result.set(row.root, entry);
  }
  return result;
}

/** Whether row-level security would filter what `current_user` reads from the tables, and the policies that would. */
export interface RowSecurityFact {
  oid: string;
  schema: string;
  table: string;
  forced: boolean;
  policies: string[];
}

/**
 * The tables (of `oids`) whose rows row-level security would hide from the current user: RLS is
 * enabled and the user is neither a superuser nor BYPASSRLS, and either FORCE ROW LEVEL SECURITY
 * is set or the user is not the table's owner. Also the roles the user may SET ROLE to that bypass it.
 */
export async function readRowSecurity(
  sql: Sql,
  oids: readonly string[],
): Promise<{ user: string; filtered: RowSecurityFact[]; bypassRoles: string[] }> {
  const [me] = await sql<{ user: string; bypass: boolean; roles: string[] | null }[]>`
    select current_user::pg_catalog.text as user, (r.rolsuper or r.rolbypassrls) as bypass,
           (select pg_catalog.array_agg(o.rolname::pg_catalog.text order by o.rolname) from pg_catalog.pg_roles o
             where (o.rolsuper or o.rolbypassrls) and o.oid <> r.oid and pg_catalog.pg_has_role(r.oid, o.oid, 'MEMBER')) as roles
    from pg_catalog.pg_roles r where r.rolname = current_user`;
  if (!me || me.bypass || oids.length === 0) return { user: me?.user ?? '', filtered: [], bypassRoles: [] };
  const rows = await sql<{ oid: string; schema: string; table: string; forced: boolean; policies: string[] | null }[]>`
    select c.oid::pg_catalog.int8::pg_catalog.text as oid, n.nspname as schema, c.relname as table, c.relforcerowsecurity as forced,
           (select pg_catalog.array_agg(p.polname::pg_catalog.text order by p.polname) from pg_catalog.pg_policy p where p.polrelid = c.oid) as policies
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where c.oid = any(${oids as string[]}::pg_catalog.oid[]) and c.relrowsecurity
      and (c.relforcerowsecurity or not pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE'))
    order by n.nspname, c.relname`;
  return { user: me.user, filtered: rows.map((r) => ({ ...r, policies: r.policies ?? [] })), bypassRoles: me.roles ?? [] };
}

/** A table or column that DROP ... CASCADE of a type, extension or schema would take with it. */
export interface CascadeDependent {
  schema: string;
  table: string;
  /** The column, or null when the whole table goes (a typed table, an extension's table). */
  column: string | null;
  /** The type or extension it is reached through, e.g. `public.mood`. */
  via: string;
}

/**
 * What dropping types, extensions or the types of schemas with CASCADE takes from user tables,
 * through `pg_depend`: columns of those types (directly, as arrays, through domains over them, and
 * domains over those), and tables that are typed tables or extension members. Partitions are left
 * out where their partitioned parent's column is reached (its data file holds their rows).
 */
export async function readCascadeDependents(
  sql: Sql,
  roots: { types: { schema: string; name: string }[]; extensions: string[]; schemas: string[] },
): Promise<CascadeDependent[]> {
  if (roots.types.length + roots.extensions.length + roots.schemas.length === 0) return [];
  const rows = await sql<{ schema: string; table: string; column: string | null; via: string; partition_of: string | null }[]>`
    with recursive roots(classid, objid, via) as (
      select 'pg_catalog.pg_type'::pg_catalog.regclass, t.oid, n.nspname || '.' || t.typname
      from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
      where (n.nspname, t.typname) in (select * from unnest(${roots.types.map((t) => t.schema)}::pg_catalog.text[], ${roots.types.map((t) => t.name)}::pg_catalog.text[]))
         or n.nspname = any(${roots.schemas}::pg_catalog.text[])
      union all
      select 'pg_catalog.pg_extension'::pg_catalog.regclass, e.oid, 'extension ' || e.extname
      from pg_catalog.pg_extension e where e.extname = any(${roots.extensions}::pg_catalog.text[])
    ), reached(classid, objid, objsubid, via) as (
      select classid, objid, 0, via from roots
      union
      select d.classid, d.objid, d.objsubid, r.via
      from reached r join pg_catalog.pg_depend d on d.refclassid = r.classid and d.refobjid = r.objid
      where r.objsubid = 0 and d.deptype in ('n', 'a', 'i', 'e')
        and (r.classid in ('pg_catalog.pg_type'::pg_catalog.regclass, 'pg_catalog.pg_extension'::pg_catalog.regclass))
    )
    select distinct n.nspname as schema, c.relname as table,
           case when r.objsubid > 0 then a.attname::pg_catalog.text end as column, r.via,
           case when c.relispartition then (select i.inhparent::pg_catalog.int8::pg_catalog.text from pg_catalog.pg_inherits i where i.inhrelid = c.oid) end as partition_of
    from reached r
    join pg_catalog.pg_class c on r.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and c.oid = r.objid and c.relkind in ('r', 'p')
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    left join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum = r.objsubid and r.objsubid > 0
    where n.nspname <> ${BACKUP_SCHEMA} and not (n.nspname = any(${roots.schemas}::pg_catalog.text[]))
      and (r.objsubid = 0 or not a.attisdropped)
      and (c.relispartition is false or not exists (
        select 1 from pg_catalog.pg_inherits i join reached p on p.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and p.objid = i.inhparent
        where i.inhrelid = c.oid))
    order by 1, 2, 3`;
  return rows.map(({ partition_of: _p, ...r }) => r);
}

/**
 * The enum and domain types (user schemas) the given columns use, directly, as arrays or through
 * domains, and the extensions whose types they use, per table oid, bases before the types built on them.
 */
export async function readUserTypes(
  sql: Sql,
  columns: readonly { oid: string; columns: string[] }[],
): Promise<Map<string, UserTypeInfo[]>> {
  const result = new Map<string, UserTypeInfo[]>();
  const pairs = columns.flatMap((c) => c.columns.map((name) => [c.oid, name] as const));
  if (pairs.length === 0) return result;
  const rows = await sql<
    {
      rel: string;
      depth: number;
      typtype: string;
      extname: string | null;
      extschema: string | null;
      schema: string;
      name: string;
      base: string | null;
      not_null: boolean;
      default: string | null;
      collation: string | null;
      labels: string[] | null;
      checks: { name: string; def: string }[] | null;
    }[]
  >`
    with recursive used(rel, oid, depth) as (
      select a.attrelid, a.atttypid, 0 from pg_catalog.pg_attribute a
      where (a.attrelid::pg_catalog.int8::pg_catalog.text, a.attname::pg_catalog.text) in
            (select * from unnest(${pairs.map((p) => p[0])}::pg_catalog.text[], ${pairs.map((p) => p[1])}::pg_catalog.text[]))
      union
      select u.rel, case when t.typtype = 'd' then t.typbasetype else t.typelem end, u.depth + 1
      from used u join pg_catalog.pg_type t on t.oid = u.oid
      where u.depth < 20 and (t.typtype = 'd' or (t.typelem <> 0 and t.typcategory = 'A'))
    )
    select u.rel::pg_catalog.int8::pg_catalog.text as rel, max(u.depth)::pg_catalog.int4 as depth, t.typtype::pg_catalog.text as typtype,
           x.extname, x.extschema,
           n.nspname as schema, t.typname as name,
           case when t.typtype = 'd' then pg_catalog.format_type(t.typbasetype, t.typtypmod) end as base,
           t.typnotnull as not_null, pg_catalog.pg_get_expr(t.typdefaultbin, 0) as default,
           case when t.typcollation <> 0 and t.typcollation <> bt.typcollation then
             (select pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
              from pg_catalog.pg_collation co join pg_catalog.pg_namespace cn on cn.oid = co.collnamespace where co.oid = t.typcollation)
           end as collation,
           (select pg_catalog.array_agg(e.enumlabel::pg_catalog.text order by e.enumsortorder) from pg_catalog.pg_enum e where e.enumtypid = t.oid) as labels,
           (select pg_catalog.json_agg(pg_catalog.json_build_object('name', k.conname, 'def', pg_catalog.pg_get_constraintdef(k.oid)) order by k.conname)
              from pg_catalog.pg_constraint k where k.contypid = t.oid and k.contype = 'c') as checks
    from used u
    join pg_catalog.pg_type t on t.oid = u.oid
    join pg_catalog.pg_namespace n on n.oid = t.typnamespace
    left join pg_catalog.pg_type bt on bt.oid = t.typbasetype
    left join lateral (select e.extname, en.nspname as extschema from pg_catalog.pg_depend d
                       join pg_catalog.pg_extension e on e.oid = d.refobjid join pg_catalog.pg_namespace en on en.oid = e.extnamespace
                       where d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass and d.objid = t.oid and d.deptype = 'e'
                         and d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass) x on true
    where n.nspname not in ('pg_catalog', 'information_schema') and (x.extname is not null or t.typtype in ('e', 'd'))
    group by u.rel, t.oid, t.typtype, n.nspname, t.typname, t.typbasetype, t.typtypmod, t.typnotnull, t.typdefaultbin, t.typcollation, bt.typcollation, x.extname, x.extschema
    order by u.rel, max(u.depth) desc, n.nspname, t.typname`;
  for (const row of rows) {
    const list = result.get(row.rel) ?? [];
    if (row.extname) {
      // a type of an extension comes back with the extension
      if (!list.some((t) => t.kind === 'extension' && t.name === row.extname))
        list.push({ kind: 'extension', schema: row.extschema ?? 'public', name: row.extname });
      result.set(row.rel, list);
      continue;
    }
    list.push(
      row.typtype === 'e'
        ? { kind: 'enum', schema: row.schema, name: row.name, labels: row.labels ?? [] }
        : {
            kind: 'domain',
            schema: row.schema,
            name: row.name,
            baseType: row.base ?? 'text',
            notNull: row.not_null,
            default: row.default,
            collation: row.collation,
            checks: row.checks ?? [],
          },
    );
    result.set(row.rel, list);
  }
  return result;
}

/** Rows of a relation as PostgreSQL counts them in the current snapshot (`only`: without inheritance children). */
export async function countRows(sql: Sql, relation: string, only: boolean): Promise<number> {
  const [row] = await sql.unsafe<{ n: string }[]>(`select count(*)::pg_catalog.text as n from ${only ? 'only ' : ''}${relation}`);
  return Number(row?.n ?? -1);
}

/** The current shape of a table (null when it does not exist), for planning a restore. */
export async function readCurrentTable(sql: Sql, schema: string, table: string): Promise<CurrentTable | null> {
  const [found] = await sql<{ oid: string; has_unique: boolean; ref: string; kind: string; parent: string | null }[]>`
    select c.oid::pg_catalog.int8::pg_catalog.text as oid,
           exists (select 1 from pg_catalog.pg_index i where i.indrelid = c.oid and i.indisunique) as has_unique,
           pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) as ref, c.relkind::pg_catalog.text as kind,
           (select pn.nspname || '.' || p.relname from pg_catalog.pg_inherits i join pg_catalog.pg_class p on p.oid = i.inhparent
            join pg_catalog.pg_namespace pn on pn.oid = p.relnamespace where i.inhrelid = c.oid and c.relispartition) as parent
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${schema} and c.relname = ${table} and c.relkind in ('r', 'p')`;
  if (!found) {
    const [other] = await sql<{ kind: string }[]>`
      select c.relkind::pg_catalog.text as kind from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${schema} and c.relname = ${table}`;
    if (other) {
      throw new DbctlError(
        'BACKUP_FAILED',
        `${schema}.${table} exists but is not a table (relkind ${other.kind}): it cannot be backed up or restored as one`,
        {
          hint: 'name tables only (dbctl backup --tables schema.table), or drop or rename the object in the way before restoring',
        },
      );
    }
    return null;
  }
  const [columns, keys, [rows]] = await Promise.all([
    readColumns(sql, [found.oid]),
    readPrimaryKeys(sql, [found.oid]),
    sql.unsafe<{ empty: boolean }[]>(`select not exists (select 1 from ${found.ref}) as empty`),
  ]);
  return {
    oid: found.oid,
    ref: found.ref,
    partitioned: found.kind === 'p',
    partitionOf: found.parent,
    columns: (columns.get(found.oid) ?? []).map((c) => ({
      name: c.name,
      type: c.type,
      notNull: c.notNull,
      generated: c.generated !== null,
      attnum: c.attnum ?? 0,
    })),
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
export async function readReferenceEdges(
  sql: Sql,
  tables: readonly { schema: string; table: string }[],
): Promise<{ from: string; to: string }[]> {
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

/** True when an extension is installed in the database. */
export async function extensionExists(sql: Sql, name: string): Promise<boolean> {
  const [row] = await sql<{ found: boolean }[]>`select exists (select 1 from pg_catalog.pg_extension where extname = ${name}) as found`;
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
