/**
 * The pre-commit check: PostgreSQL itself is asked what a migration's transaction destroyed.
 *
 * At the start of the transaction (in the same round trip as its first statement) the user
 * catalog is captured: every user table (and partition) with its columns, their types, whether
 * the table has any data pages, and the transaction's own row counters. Before COMMIT the same
 * query runs again; the difference names what is gone: tables dropped, columns dropped or
 * retyped (a known lossless widening excepted), tables emptied by a rewrite (TRUNCATE), and rows
 * deleted or updated (`pg_stat_xact_user_tables`) in tables that existed before. Anything that
 * held rows, that the analysis did not plan and that no verified backup holds, is unplanned
 * destruction: the transaction is rolled back.
 */

/** One column in a snapshot. */
export interface SnapshotColumn {
  num: number;
  name: string;
  typeOid: number;
  typmod: number;
  type: string;
}

/** One user table in a snapshot. */
export interface SnapshotTable {
  oid: number;
  schema: string;
  name: string;
  filenode: number;
  /** The table's main fork has pages: it may hold rows (an empty file holds none). */
  pages: boolean;
  columns: SnapshotColumn[];
  /** Rows updated / deleted by this transaction so far. */
  updated: number;
  deleted: number;
}

/** The user catalog at one moment of a transaction, keyed by table oid. */
export type CatalogSnapshot = Map<number, SnapshotTable>;

/** The marker column of the snapshot query's single row (found among a batch's results by it). */
export const SNAPSHOT_COLUMN = 'dbctl_snapshot';

/** Schemas never compared: the system's, and dbctl's own backups. */
const SYSTEM_SCHEMAS = ['pg_catalog', 'information_schema', 'dbctl_backups'];

/**
 * The snapshot query: one row, one json column. Every name is schema-qualified, since the
 * migration may have changed search_path by the time it runs again. `extra` adds more json keys
 * (the emptiness checks of planned tables).
 */
export function snapshotQuery(excludeTables: readonly string[], extra = ''): string {
  const excluded = excludeTables.map((t) => `'${t.replace(/'/g, "''")}'`).join(', ');
  const schemas = SYSTEM_SCHEMAS.map((s) => `'${s}'`).join(', ');
  return `select pg_catalog.json_build_object('t', (
  select pg_catalog.json_agg(pg_catalog.json_build_array(c.oid, n.nspname, c.relname, c.relfilenode, pg_catalog.pg_relation_size(c.oid) > 0,
    pg_catalog.pg_stat_get_xact_tuples_updated(c.oid), pg_catalog.pg_stat_get_xact_tuples_deleted(c.oid),
    (select pg_catalog.json_agg(pg_catalog.json_build_array(a.attnum, a.attname, a.atttypid, a.atttypmod, pg_catalog.format_type(a.atttypid, a.atttypmod)) order by a.attnum)
       from pg_catalog.pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped)))
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
   where c.relkind in ('r', 'p') and c.relpersistence <> 't'
     and n.nspname not in (${schemas}) and n.nspname !~ '^pg_(toast|temp)'${excluded ? `\n     and (n.nspname || '.' || c.relname) not in (${excluded})` : ''})${extra}) as ${SNAPSHOT_COLUMN}`;
}

type RawTable = [number, string, string, number, boolean, number | string, number | string, [number, string, number, number, string][] | null];

/** Parses the snapshot query's json value. */
export function parseSnapshot(value: unknown): { snapshot: CatalogSnapshot; extra: Record<string, unknown> } {
  const doc = (typeof value === 'string' ? JSON.parse(value) : value) as { t: RawTable[] | null } & Record<string, unknown>;
  const snapshot: CatalogSnapshot = new Map();
  for (const [oid, schema, name, filenode, pages, updated, deleted, columns] of doc.t ?? []) {
    snapshot.set(Number(oid), {
      oid: Number(oid),
      schema,
      name,
      filenode: Number(filenode),
      pages,
      updated: Number(updated),
      deleted: Number(deleted),
      columns: (columns ?? []).map(([num, cname, typeOid, typmod, type]) => ({ num, name: cname, typeOid: Number(typeOid), typmod, type })),
    });
  }
  return { snapshot, extra: doc };
}

/** Finds the snapshot row among the results of a batch sent with the simple protocol. */
export function findSnapshotRow(result: unknown): unknown {
  const sets: unknown[] = Array.isArray(result) && result.length > 0 && Array.isArray(result[0]) ? result : [result];
  for (const set of sets) {
    if (!Array.isArray(set)) continue;
    for (const row of set) {
      if (row && typeof row === 'object' && SNAPSHOT_COLUMN in row) return (row as Record<string, unknown>)[SNAPSHOT_COLUMN];
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
}

// int2 21, int4 23, int8 20, numeric 1700, text 25, varchar 1043
const WIDER: Record<number, number[]> = { 21: [23, 20, 1700], 23: [20, 1700], 20: [1700] };

/** A type change that keeps every value (and its text) as it was. */
export function losslessChange(before: SnapshotColumn, after: SnapshotColumn): boolean {
  if (before.typeOid === after.typeOid) {
    if (before.typmod === after.typmod || after.typmod === -1) return true;
    if (before.typeOid === 1043 && before.typmod !== -1 && after.typmod >= before.typmod) return true; // varchar(n) → varchar(m ≥ n)
    return false;
  }
  if (WIDER[before.typeOid]?.includes(after.typeOid) && after.typmod === -1) return true;
  if ((before.typeOid === 1043 && after.typeOid === 25) || (before.typeOid === 25 && after.typeOid === 1043 && after.typmod === -1)) return true;
  return false;
}

/**
 * What the transaction destroyed between `before` and `after`, counting only tables that may have
 * held rows (`heldRows`). Pure.
 */
export function compareSnapshots(before: CatalogSnapshot, after: CatalogSnapshot, heldRows: (table: SnapshotTable) => boolean): Destruction[] {
  const found: Destruction[] = [];
  for (const old of before.values()) {
    if (!heldRows(old)) continue;
    const now = after.get(old.oid);
    const at = { schema: old.schema, table: old.name };
    if (!now) {
      found.push({ kind: 'table', ...at, what: 'dropped' });
      continue;
    }
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
    if (!retyped && now.filenode !== old.filenode && old.pages && !now.pages) found.push({ kind: 'rows', ...at, what: 'emptied (TRUNCATE or a rewrite that kept no rows)' });
    const deleted = now.deleted - old.deleted;
    const updated = now.updated - old.updated;
    if (deleted > 0) found.push({ kind: 'rows', ...at, what: `${deleted} row${deleted === 1 ? '' : 's'} deleted` });
    if (updated > 0) found.push({ kind: 'rows', ...at, what: `${updated} row${updated === 1 ? '' : 's'} updated` });
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
    const table = `${d.schema}.${d.table}`;
    if (allow.wholeTables.has(table) || allow.plannedWithoutBackup.has(table)) return false;
    if (d.kind === 'column') {
      const key = `${table}.${d.column}`;
      return !(allow.columns.has(key) || allow.plannedWithoutBackup.has(key));
    }
    if (d.kind === 'rows') {
      if (d.what.endsWith('updated')) return !(allow.modifies.has(table) || allow.partTables.has(table));
      if (d.what.endsWith('deleted')) return !allow.modifies.has(table);
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
