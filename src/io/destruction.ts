/**
 * The pre-commit check: PostgreSQL itself is asked what a migration's transaction destroyed.
 *
 * Nothing is scanned up front and nothing runs before a migration's first statement. Its last
 * statement's round trip also reads which user relations the transaction holds a write lock on
 * (`pg_lock_status()`): PostgreSQL locks every relation it drops, alters, truncates or writes,
 * until the transaction ends, so only those can have lost anything. Of those, a table that still
 * exists on the same storage with no data
 * pages held no rows. Only when something is left (a dropped relation, a table with pages or new
 * storage) is the catalog compared: as it is now, in the transaction, and as it was when the
 * transaction began, read on the monitor connection through the snapshot the same query exported
 * (to the importing side this transaction is in progress, so none of its changes show). The difference
 * names what is gone: tables dropped, columns dropped or retyped (a known lossless widening
 * excepted), tables emptied (TRUNCATE), rows deleted or updated (`pg_stat_xact_user_tables`'s
 * counters). Whatever held rows, was not planned and no verified backup holds is unplanned
 * destruction: the transaction is rolled back.
 */

import { sameType, typeChangeEffect } from '../core/classify/types.js';
import type { TypeInfo } from '../sql/ast.js';

/** One column in a snapshot. */
export interface SnapshotColumn {
  num: number;
  name: string;
  typeOid: number;
  typmod: number;
  type: string;
  /** `pg_type.typname` of the column's type, of its element type for an array (`int4`, `varchar`, `mood`). */
  base?: string;
  /** True for an array type. */
  array?: boolean;
}

/** One user table in a snapshot. */
export interface SnapshotTable {
  oid: number;
  schema: string;
  name: string;
  filenode: number;
  /** The table's main fork has pages: it may hold rows (an empty file holds none). Null when not read (the old snapshot). */
  pages: boolean | null;
  columns: SnapshotColumn[];
  /** Rows updated / deleted by this transaction so far. */
  updated: number;
  deleted: number;
  /** `schema.table` of the partitioned tables (or inheritance parents) above it, nearest first. */
  ancestors: string[];
}

/** The user catalog at one moment of a transaction, keyed by table oid. */
export type CatalogSnapshot = Map<number, SnapshotTable>;

/** The marker column of dbctl's rows (found among a batch's results by it). */
export const SNAPSHOT_COLUMN = 'dbctl_snapshot';

/**
 * The text appended to a transaction's last statement: when there are suspects, the snapshot export
 * (`s`: exported at the end, it still shows the database as it was before the transaction, since to
 * the importing side this transaction is in progress and none of its changes are visible), and the
 * user relations it holds a write lock on
 * (AccessExclusive: drop, truncate, alter; RowExclusive with rows updated or deleted by this
 * transaction: an INSERT-only migration has no suspects, so it needs no second connection) that may have lost rows.
 * Those are the dropped ones (no catalog row any more), and tables with data pages or on new
 * storage. A table still on its original storage (relfilenode = oid: never rewritten) without
 * pages held no rows when the transaction began either: files only shrink by new storage. Kept
 * simple to plan (it is planned in every migration's transaction): no joins, one correlated lookup.
 */
export function lockedQuery(): string {
  return `select pg_catalog.json_build_object('l', x.l, 's', case when x.l is null then null else pg_catalog.pg_export_snapshot() end) as ${SNAPSHOT_COLUMN}
  from (select pg_catalog.array_agg(l.relation) as l from pg_catalog.pg_lock_status() l
         where l.pid = pg_catalog.pg_backend_pid() and l.locktype = 'relation' and l.mode in ('AccessExclusiveLock', 'RowExclusiveLock') and l.relation >= 16384
           and (l.mode = 'AccessExclusiveLock' or pg_catalog.pg_stat_get_xact_tuples_updated(l.relation) + pg_catalog.pg_stat_get_xact_tuples_deleted(l.relation) > 0)
           and coalesce((select c.relkind = 'r' and (c.relfilenode <> c.oid or pg_catalog.pg_relation_size(c.oid) > 0) from pg_catalog.pg_class c where c.oid = l.relation), true)) x`;
}

const COLUMNS_JSON = `(select pg_catalog.json_agg(pg_catalog.json_build_array(a.attnum, a.attname, a.atttypid, a.atttypmod, pg_catalog.format_type(a.atttypid, a.atttypmod),
         coalesce(e.typname, t.typname), e.oid is not null) order by a.attnum)
       from pg_catalog.pg_attribute a join pg_catalog.pg_type t on t.oid = a.atttypid
       left join pg_catalog.pg_type e on t.typcategory = 'A' and e.oid = t.typelem
      where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped)`;

const ANCESTORS_JSON = `(with recursive up(oid, depth) as (
         select i.inhparent, 1 from pg_catalog.pg_inherits i where i.inhrelid = c.oid
         union all select i.inhparent, up.depth + 1 from up join pg_catalog.pg_inherits i on i.inhrelid = up.oid)
       select pg_catalog.json_agg(pn.nspname || '.' || p.relname order by up.depth)
         from up join pg_catalog.pg_class p on p.oid = up.oid join pg_catalog.pg_namespace pn on pn.oid = p.relnamespace)`;

function oidList(oids: readonly number[]): string {
  return `'{${oids.map((o) => String(Math.trunc(o))).join(',')}}'::pg_catalog.oid[]`;
}

/** The tables among `oids` as they are now, in the transaction (with data pages and its row counters). */
export function currentTablesQuery(oids: readonly number[]): string {
  return `select pg_catalog.json_build_object('t', (select pg_catalog.json_agg(pg_catalog.json_build_array(c.oid, n.nspname, c.relname, c.relfilenode,
    pg_catalog.pg_relation_size(c.oid) > 0, pg_catalog.pg_stat_get_xact_tuples_updated(c.oid), pg_catalog.pg_stat_get_xact_tuples_deleted(c.oid), ${COLUMNS_JSON}))
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where c.relkind = 'r' and c.oid = any (${oidList(oids)}))) as ${SNAPSHOT_COLUMN}`;
}

/**
 * The row counters the backend already holds when a transaction begins: `pg_stat_get_xact_tuples_*`
 * report what this backend counted and has not flushed to the shared statistics yet, earlier
 * transactions of the session included (a data migration just before, or a rolled-back attempt).
 * Read as the transaction's first query (no flush happens inside a transaction), they are taken
 * off the counts the pre-commit check reads at its end, leaving exactly the transaction's own.
 */
export function countersBaselineQuery(): string {
  return `select pg_catalog.json_build_object('b', (select pg_catalog.json_agg(pg_catalog.json_build_array(c.oid,
    pg_catalog.pg_stat_get_xact_tuples_updated(c.oid), pg_catalog.pg_stat_get_xact_tuples_deleted(c.oid)))
  from pg_catalog.pg_class c where c.relkind = 'r' and c.oid >= 16384
   and pg_catalog.pg_stat_get_xact_tuples_updated(c.oid) + pg_catalog.pg_stat_get_xact_tuples_deleted(c.oid) > 0)) as ${SNAPSHOT_COLUMN}`;
}

/** Row counters by table oid, as `countersBaselineQuery` reads them. */
export type CountersBaseline = Map<number, { updated: number; deleted: number }>;

/** Parses the json value of `countersBaselineQuery` (an empty baseline when there is none). */
export function parseCountersBaseline(value: unknown): CountersBaseline {
  const rows = ((value as { b?: [number | string, number | string, number | string][] | null } | undefined)?.b ?? []) as [
    number | string,
    number | string,
    number | string,
  ][];
  return new Map(rows.map(([oid, updated, deleted]) => [Number(oid), { updated: Number(updated), deleted: Number(deleted) }]));
}

/** `after` with the counters the backend held before the transaction taken off (never below zero). */
export function withoutBaseline(after: CatalogSnapshot, baseline: CountersBaseline): CatalogSnapshot {
  for (const [oid, counts] of baseline) {
    const table = after.get(oid);
    if (!table) continue;
    table.updated = Math.max(0, table.updated - counts.updated);
    table.deleted = Math.max(0, table.deleted - counts.deleted);
  }
  return after;
}

/**
 * The tables among `oids` as they were when the transaction began, read on another connection
 * through the exported snapshot (catalog rows only: nothing of the tables is read or locked).
 */
export function oldTablesQuery(snapshotId: string, oids: readonly number[]): string {
  return `begin isolation level repeatable read;
set transaction snapshot '${snapshotId.replace(/'/g, "''")}';
select pg_catalog.json_build_object('t', (select pg_catalog.json_agg(pg_catalog.json_build_array(c.oid, n.nspname, c.relname, c.relfilenode, null, 0, 0, ${COLUMNS_JSON}, ${ANCESTORS_JSON}))
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
 where c.relkind = 'r' and c.relpersistence <> 't' and n.nspname not in ('pg_catalog', 'information_schema', 'dbctl_backups') and n.nspname !~ '^pg_(toast|temp)'
   and c.oid = any (${oidList(oids)}))) as ${SNAPSHOT_COLUMN};
commit`;
}

type RawTable = [
  number,
  string,
  string,
  number,
  boolean | null,
  number | string,
  number | string,
  [number, string, number, number, string, string?, boolean?][] | null,
  string[]?,
];

/** Parses the json value of one of the queries above. */
export function parseSnapshot(value: unknown): { snapshot: CatalogSnapshot; suspects: number[]; extra: Record<string, unknown> } {
  const doc = (typeof value === 'string' ? JSON.parse(value) : value) as { t?: RawTable[] | null; l?: (number | string)[] | null } & Record<
    string,
    unknown
  >;
  const snapshot: CatalogSnapshot = new Map();
  for (const [oid, schema, name, filenode, pages, updated, deleted, columns, ancestors] of doc.t ?? []) {
    snapshot.set(Number(oid), {
      oid: Number(oid),
      schema,
      name,
      filenode: Number(filenode),
      pages,
      updated: Number(updated),
      deleted: Number(deleted),
      columns: (columns ?? []).map(([num, cname, typeOid, typmod, type, base, array]) => ({
        num,
        name: cname,
        typeOid: Number(typeOid),
        typmod,
        type,
        ...(base !== undefined ? { base, array: Boolean(array) } : {}),
      })),
      ancestors: ancestors ?? [],
    });
  }
  const suspects = [...new Set((doc.l ?? []).map(Number))];
  return { snapshot, suspects, extra: doc };
}

/** Finds dbctl's row whose json has `key` among the results of a batch sent with the simple protocol. */
export function findSnapshotRow(result: unknown, key: 's' | 'l' | 't' | 'e' | 'b'): unknown {
  const sets: unknown[] = Array.isArray(result) && result.length > 0 && Array.isArray(result[0]) ? result : [result];
  for (const set of sets) {
    if (!Array.isArray(set)) continue;
    for (const row of set) {
      if (!row || typeof row !== 'object' || !(SNAPSHOT_COLUMN in row)) continue;
      const raw = (row as Record<string, unknown>)[SNAPSHOT_COLUMN];
      const value = typeof raw === 'string' ? JSON.parse(raw) : raw;
      if (value && typeof value === 'object' && key in value) return value;
    }
  }
  return undefined;
}

/** One thing a transaction destroyed. */
export interface Destruction {
  kind: 'table' | 'column' | 'rows';
  schema: string;
  table: string;
  column?: string;
  /** What happened, e.g. 'dropped', 'retyped integer → text', 'emptied', '3 rows deleted'. */
  what: string;
  /**
   * The table is on new storage without pages: TRUNCATE, or a rewrite (ALTER COLUMN TYPE, ...) of a
   * table that held no rows; only its emptiness when the transaction began tells which.
   */
  emptied?: boolean;
  /** The partitioned tables above it (a backup of a parent holds its partitions). */
  ancestors?: string[];
}

/**
 * A type change that keeps every value, as the analysis judges it (`typeChangeEffect`: one table of
 * type changes for the plan and for this check): an integer widening, anything to unbounded text,
 * a longer varchar, a wider numeric or precision, timestamp → timestamptz, ... A column read
 * without its type's name (an older snapshot) only counts as unchanged when its type is.
 */
export function losslessChange(before: SnapshotColumn, after: SnapshotColumn): boolean {
  if (before.typeOid === after.typeOid && (before.typmod === after.typmod || after.typmod === -1)) return true;
  if (before.base === undefined || after.base === undefined) return false;
  const from = liveTypeInfo(before);
  const to = liveTypeInfo(after);
  // two types spelled alike yet different (enums of one name in two schemas) are not the same type
  if (before.typeOid !== after.typeOid && sameType(from, to)) return false;
  return typeChangeEffect(from, to, false).lossless;
}

/** A column's type as the parser spells it: base name, modifiers as written (`varchar(20)` → [20]), array. */
function liveTypeInfo(column: SnapshotColumn): TypeInfo {
  const name = column.base!.toLowerCase();
  const mods = column.array ? [] : typmodMods(name, column.typmod);
  return { name, schema: undefined, mods, array: Boolean(column.array), display: column.type, location: -1 };
}

/** PostgreSQL's typmod as the modifiers written in SQL (-1: none). */
function typmodMods(name: string, typmod: number): number[] {
  if (typmod < 0) return [];
  if (name === 'varchar' || name === 'bpchar') return [typmod - 4];
  if (name === 'numeric') return [((typmod - 4) >> 16) & 0xffff, (typmod - 4) & 0xffff];
  if (name === 'interval') {
    const precision = typmod & 0xffff;
    return precision === 0xffff ? [(typmod >> 16) & 0x7fff] : [(typmod >> 16) & 0x7fff, precision];
  }
  return [typmod]; // timestamp(p), time(p), bit(n), varbit(n)
}

/**
 * What the transaction destroyed: `before` is the catalog when it began (tables only), `after` as
 * it is now (with data pages and row counters). A table that is now on the same storage without
 * pages held no rows; `empty` tables (locked and found empty when the transaction began) neither.
 * A dropped table, or one on new storage without pages, may have held rows (nothing can read them
 * any more): it counts as destroyed. Pure.
 */
export function compareSnapshots(before: CatalogSnapshot, after: CatalogSnapshot, empty: (table: SnapshotTable) => boolean): Destruction[] {
  const found: Destruction[] = [];
  for (const old of before.values()) {
    if (empty(old)) continue;
    const now = after.get(old.oid);
    const at = { schema: old.schema, table: old.name, ...(old.ancestors.length ? { ancestors: old.ancestors } : {}) };
    if (!now) {
      found.push({ kind: 'table', ...at, what: 'dropped' });
      continue;
    }
    const sameStorage = now.filenode === old.filenode;
    if (sameStorage && !now.pages) continue; // held no rows
    let retyped = false;
    const columns = new Map(now.columns.map((c) => [c.num, c]));
    for (const column of old.columns) {
      const current = columns.get(column.num);
      if (!current) found.push({ kind: 'column', ...at, column: column.name, what: 'dropped' });
      else if (!losslessChange(column, current)) {
        retyped = true;
        found.push({ kind: 'column', ...at, column: column.name, what: `retyped ${column.type} → ${current.type}` });
      }
    }
    if (!retyped && !sameStorage && !now.pages)
      found.push({ kind: 'rows', ...at, what: 'emptied (TRUNCATE or a rewrite that kept no rows)', emptied: true });
    if (now.deleted > 0) found.push({ kind: 'rows', ...at, what: `${now.deleted} row${now.deleted === 1 ? '' : 's'} deleted` });
    if (now.updated > 0) found.push({ kind: 'rows', ...at, what: `${now.updated} row${now.updated === 1 ? '' : 's'} updated` });
  }
  return found;
}

/** What a migration may destroy without the check objecting. */
export interface Allowance {
  /** `schema.table` held whole by a verified backup. */
  wholeTables: Set<string>;
  /** `schema.table.column` held by a verified backup. */
  columns: Set<string>;
  /** Tables with some of their data in the backup (a planned `UPDATE` without WHERE). */
  partTables: Set<string>;
  /** `schema.table` whose rows the migration visibly deletes or updates (DML the analysis saw). */
  modifies: Set<string>;
  /** Objects the analysis planned when the run was told not to back up (`--no-backup`). */
  plannedWithoutBackup: Set<string>;
}

/** An empty allowance. */
export function emptyAllowance(): Allowance {
  return { wholeTables: new Set(), columns: new Set(), partTables: new Set(), modifies: new Set(), plannedWithoutBackup: new Set() };
}

/** The destructions no allowance covers. Pure. */
export function unplanned(found: readonly Destruction[], allow: Allowance): Destruction[] {
  return found.filter((d) => {
    // a partition is held by what holds its partitioned table
    const tables = [`${d.schema}.${d.table}`, ...(d.ancestors ?? [])];
    const any = (set: Set<string>, suffix = '') => tables.some((t) => set.has(t + suffix));
    if (any(allow.wholeTables) || any(allow.plannedWithoutBackup)) return false;
    if (d.kind === 'column') return !(any(allow.columns, `.${d.column}`) || any(allow.plannedWithoutBackup, `.${d.column}`));
    if (d.kind === 'rows') {
      if (d.what.endsWith('updated')) return !(any(allow.modifies) || any(allow.partTables));
      if (d.what.endsWith('deleted')) return !any(allow.modifies);
    }
    return true;
  });
}

/** `public.posts.bio dropped`: one destruction for messages. */
export function describeDestruction(d: Destruction): string {
  return `${[d.schema, d.table, d.column].filter(Boolean).join('.')} ${d.what}`;
}

/** The `--backup-extra` name of what a destruction needs in a backup. */
export function backupName(d: Destruction): string {
  return d.kind === 'column' ? `${d.schema}.${d.table}.${d.column}` : `${d.schema}.${d.table}`;
}
