/**
 * What to back up, decided from what the destructive statements destroy and what the catalog
 * says exists. Pure: no fs, process or network.
 *
 * - DROP TABLE, TRUNCATE, DELETE without WHERE, DROP SCHEMA (every table in it): the whole table.
 * - DROP COLUMN, ALTER COLUMN TYPE, UPDATE without WHERE: the primary key plus the affected
 *   columns; the whole table when it has no primary key or a key column is affected.
 * - Objects that do not exist (created earlier in the same migration, already gone) hold no rows:
 *   noted in `skipped`, nothing to copy. So are indexes, sequences and generated columns.
 * - DROP TYPE/DOMAIN/EXTENSION ... CASCADE: the columns and tables it reaches are backed up (the
 *   caller reads them from `pg_depend` and adds them as objects, then sets `dependentsRead`).
 * - Anything else that may hold data and cannot be copied is `failed`: the backup must fail.
 */
import { DbctlError } from '../errors.js';
import type { DestroyedObject } from '../core/classify.js';
import type { ColumnInfo, SkippedObject } from './types.js';
import { displayName } from './sql-text.js';

/** A table as the catalog describes it. */
export interface CatalogTable {
  schema: string;
  table: string;
  /** `table`: ordinary; `partitioned`: a partitioned parent (backed up through its partitions' rows). */
  kind: 'table' | 'partitioned';
  /** The partitioned table this one is a partition of, if any. */
  partitionOf: { schema: string; table: string } | null;
  /** Every column, generated ones included, in table order. */
  columns: ColumnInfo[];
  primaryKey: string[];
  /** `reltuples`, for progress; 0 when unknown. */
  estimatedRows: number;
}

/** What the catalog said about the tables and schemas a request names. */
export interface CatalogFacts {
  /** Existing tables among those named, plus every table of the named schemas. */
  tables: CatalogTable[];
  /**
   * True when the columns and tables that DROP TYPE/DOMAIN/EXTENSION/SCHEMA ... CASCADE reach were
   * read from `pg_depend` and are among the objects planned; without it such a drop fails the plan.
   */
  dependentsRead?: boolean;
}

/** The names the catalog must be asked about for a request. */
export interface CatalogQuestion {
  tables: { schema: string; table: string }[];
  schemas: string[];
}

/** One table to copy. */
export interface PlannedItem {
  schema: string;
  table: string;
  whole: boolean;
  /** Columns of the data file in order (generated columns never included). */
  columns: ColumnInfo[];
  primaryKey: string[];
  affectedColumns: string[];
  reasons: string[];
  estimatedRows: number;
  /** The catalog entry, for the definition. */
  source: CatalogTable;
}

/** The plan: what to copy, what was asked for but holds no data, and what holds data that cannot be copied. */
export interface BackupPlan {
  items: PlannedItem[];
  /** Objects with nothing to copy (they do not exist, or hold no rows by their nature). */
  skipped: SkippedObject[];
  /** Objects that may hold data the backup cannot copy: a backup with any of these fails. */
  failed: SkippedObject[];
}

const DATA_KINDS = new Set<DestroyedObject['kind']>(['table', 'rows', 'column', 'schema']);

/** The tables and schemas the catalog must describe for these objects. */
export function catalogQuestion(objects: readonly DestroyedObject[]): CatalogQuestion {
  const tables = new Map<string, { schema: string; table: string }>();
  const schemas = new Set<string>();
  for (const object of objects) {
    if (!DATA_KINDS.has(object.kind)) continue;
    if (object.kind === 'schema') schemas.add(object.name ?? object.schema);
    else if (object.table) tables.set(`${object.schema}\u0000${object.table}`, { schema: object.schema, table: object.table });
  }
  return { tables: [...tables.values()], schemas: [...schemas] };
}

interface Accumulator {
  source: CatalogTable;
  whole: boolean;
  wholeBecause: string | null;
  affected: Set<string>;
  reasons: string[];
}

/** Decides what to copy for the objects, given the catalog facts. */
export function planBackup(objects: readonly DestroyedObject[], facts: CatalogFacts): BackupPlan {
  const byName = new Map(facts.tables.map((t) => [key(t.schema, t.table), t]));
  const accumulators = new Map<string, Accumulator>();
  const skipped: SkippedObject[] = [];
  const failed: SkippedObject[] = [];

  const entry = (table: CatalogTable): Accumulator => {
    const k = key(table.schema, table.table);
    let acc = accumulators.get(k);
    if (!acc) {
      acc = { source: table, whole: false, wholeBecause: null, affected: new Set(), reasons: [] };
      accumulators.set(k, acc);
    }
    return acc;
  };
  const addReason = (acc: Accumulator, reason: string) => {
    if (!acc.reasons.includes(reason)) acc.reasons.push(reason);
  };

  for (const object of objects) {
    const record = (list: SkippedObject[], why: string) =>
      list.push({
        schema: object.schema,
        ...(object.table !== undefined ? { table: object.table } : {}),
        ...(object.column !== undefined ? { column: object.column } : {}),
        ...(object.name !== undefined ? { name: object.name } : {}),
        reason: object.reason,
        why,
      });
    const skip = (why: string) => record(skipped, why);
    const fail = (why: string) => record(failed, why);
    switch (object.kind) {
      case 'schema': {
        const schema = object.name ?? object.schema;
        const tables = facts.tables.filter((t) => t.schema === schema);
        if (tables.length === 0) {
          skip(`schema ${schema} has no tables (or does not exist)`);
          break;
        }
        for (const table of tables) {
          // a partition's rows are copied through its partitioned parent when that is copied too
          if (table.partitionOf && tables.some((t) => t.schema === table.partitionOf!.schema && t.table === table.partitionOf!.table))
            continue;
          const acc = entry(table);
          acc.whole = true;
          addReason(acc, object.reason);
        }
        break;
      }
      case 'table':
      case 'rows': {
        const table = object.table ? byName.get(key(object.schema, object.table)) : undefined;
        if (!table) {
          skip(`table ${displayName(object.schema, object.table ?? '?')} does not exist`);
          break;
        }
        const acc = entry(table);
        acc.whole = true;
        addReason(acc, object.reason);
        break;
      }
      case 'column': {
        const table = object.table ? byName.get(key(object.schema, object.table)) : undefined;
        if (!table) {
          skip(`table ${displayName(object.schema, object.table ?? '?')} does not exist`);
          break;
        }
        const column = table.columns.find((c) => c.name === object.column);
        if (!column) {
          skip(`column ${displayName(object.schema, table.table, object.column ?? '?')} does not exist`);
          break;
        }
        if (column.generated !== null) {
          skip(`column ${displayName(object.schema, table.table, column.name)} is generated: it is recomputed from the other columns`);
          break;
        }
        const acc = entry(table);
        acc.affected.add(column.name);
        addReason(acc, `${object.reason} ${column.name}`);
        if (table.primaryKey.length === 0 && !acc.wholeBecause) acc.wholeBecause = 'no primary key';
        if (table.primaryKey.includes(column.name)) acc.wholeBecause = `primary key column ${column.name} is affected`;
        break;
      }
      case 'index':
        skip('an index holds no data (it can be rebuilt)');
        break;
      case 'type':
        if (facts.dependentsRead) skip('the columns of this type that it takes with it are backed up as columns');
        else fail(`dbctl did not read which columns use type ${displayName(object.schema, object.name ?? '?')}`);
        break;
      default:
        if (/^DROP SEQUENCE\b/i.test(object.reason)) skip('a sequence holds no rows (its current value is not backed up)');
        else if (/^DROP EXTENSION\b/i.test(object.reason) && facts.dependentsRead)
          skip('the columns and tables it takes with it are backed up');
        else if (object.kind === 'opaque')
          skip('a statement dbctl cannot see into names nothing to copy (PostgreSQL judges what it destroyed before commit)');
        else fail(`dbctl cannot back up a ${object.kind === 'other' ? object.reason : object.kind}`);
    }
  }

  const items: PlannedItem[] = [];
  for (const acc of [...accumulators.values()].sort((a, b) => compareNames(a.source, b.source))) {
    const table = acc.source;
    const data = table.columns.filter((c) => c.generated === null);
    const whole = acc.whole || acc.wholeBecause !== null;
    if (whole) {
      if (!acc.whole && acc.wholeBecause) acc.reasons.push(`whole table: ${acc.wholeBecause}`);
      items.push({
        schema: table.schema,
        table: table.table,
        whole: true,
        columns: data,
        primaryKey: table.primaryKey,
        affectedColumns: acc.whole ? [] : data.filter((c) => acc.affected.has(c.name)).map((c) => c.name),
        reasons: acc.reasons,
        estimatedRows: table.estimatedRows,
        source: table,
      });
      continue;
    }
    const keyColumns = table.primaryKey
      .map((name) => table.columns.find((c) => c.name === name))
      .filter((c): c is ColumnInfo => c !== undefined);
    const affected = data.filter((c) => acc.affected.has(c.name) && !table.primaryKey.includes(c.name));
    items.push({
      schema: table.schema,
      table: table.table,
      whole: false,
      columns: [...keyColumns, ...affected],
      primaryKey: table.primaryKey,
      affectedColumns: affected.map((c) => c.name),
      reasons: acc.reasons,
      estimatedRows: table.estimatedRows,
      source: table,
    });
  }
  return { items, skipped, failed };
}

/** A table name as a user writes it: `a`, `schema.a`, `"Mixed Case"`, `"s"."t"`. */
export interface TableName {
  schema: string;
  table: string;
}

/** Parses `--tables a,b,s.c`; unqualified names are in `public`. An empty or malformed list is a USAGE error. */
export function parseTableList(text: string, defaultSchema = 'public'): TableName[] {
  const names: TableName[] = [];
  for (const raw of splitOutsideQuotes(text, ',')) {
    const part = raw.trim();
    if (!part) continue;
    const pieces = splitOutsideQuotes(part, '.').map((p) => unquote(p.trim()));
    if (pieces.length > 2 || pieces.some((p) => p === ''))
      throw badTableList(`"${part}" is not a table name (write table or schema.table)`);
    const name = pieces.length === 2 ? { schema: pieces[0]!, table: pieces[1]! } : { schema: defaultSchema, table: pieces[0]! };
    if (!names.some((n) => n.schema === name.schema && n.table === name.table)) names.push(name);
  }
  if (names.length === 0) throw badTableList('no table names given');
  return names;
}

/** The USAGE error for a `--tables` list that does not parse. */
function badTableList(why: string): DbctlError {
  return new DbctlError('USAGE', `--tables: ${why}`, { hint: 'write --tables users,billing.invoices' });
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === separator && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function unquote(part: string): string {
  return part.startsWith('"') && part.endsWith('"') && part.length >= 2 ? part.slice(1, -1).replace(/""/g, '"') : part;
}

/** Objects for a manual backup of named tables. */
export function manualTableObjects(names: readonly TableName[]): DestroyedObject[] {
  return names.map((n) => ({ kind: 'table', schema: n.schema, table: n.table, reason: 'manual backup' }));
}

/** Objects for a manual backup of every table in the schemas. */
export function manualSchemaObjects(schemas: readonly string[]): DestroyedObject[] {
  return schemas.map((schema) => ({ kind: 'schema', schema, name: schema, reason: 'manual backup' }));
}

/** Named tables the catalog does not know. */
export function missingTables(names: readonly TableName[], facts: CatalogFacts): TableName[] {
  return names.filter((n) => !facts.tables.some((t) => t.schema === n.schema && t.table === n.table));
}

/** `20261121T101500Z-production-0003_drop_email-9f3a`: sortable by time, safe as a directory name. */
export function backupId(now: Date, env: string, tag: string | null, randomHex: string): string {
  return `${timestamp(now)}-${slug(env, 32)}-${slug(tag ?? 'manual', 48)}-${randomHex}`;
}

/** `20261121T101500Z`. */
export function timestamp(now: Date): string {
  return now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
}

const ID_PATTERN = /^\d{8}T\d{6}Z-[A-Za-z0-9_.-]+$/;

/** True when `id` has the shape of a backup id (so it is safe as a path segment and a name). */
export function isBackupId(id: string): boolean {
  return ID_PATTERN.test(id) && id.length <= 120;
}

/** File-name-safe text: letters, digits, `_` and `.`, at most `max` characters. */
export function slug(text: string, max = 40): string {
  const cleaned = text
    .replace(/[^A-Za-z0-9_.]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, max);
  return cleaned || 'x';
}

/** The data file of the n-th object (0-based) of a `dir` backup. */
export function dataFileName(index: number, schema: string, table: string): string {
  return `${String(index + 1).padStart(3, '0')}-${slug(schema, 40)}.${slug(table, 60)}.copy.gz`;
}

/** The table of the n-th object in `dbctl_backups`: `<id>__<schema>__<table>`, shortened to 63 bytes when needed. */
export function databaseTableName(id: string, index: number, schema: string, table: string): string {
  const full = `${id}__${schema}__${table}`;
  if (Buffer.byteLength(full) <= 63) return full;
  const short = `${id.slice(0, 16)}-${id.slice(-4)}__${index + 1}__`;
  let name = `${short}${table}`;
  while (Buffer.byteLength(name) > 63) name = name.slice(0, -1);
  return name;
}

/** The prefix every `dbctl_backups` table of a backup starts with (for its own cleanup). */
export function databaseTablePrefix(id: string): string {
  return id.slice(0, 16);
}

/** The backups of `env` beyond the newest `keep`, oldest last; never `keepId` (the one just taken). */
export function chooseExpired<T extends { id: string; env: string; createdAt: string }>(
  backups: readonly T[],
  env: string,
  keep: number,
  keepId?: string,
): T[] {
  if (!Number.isInteger(keep) || keep < 1) return [];
  const mine = backups.filter((b) => b.env === env).sort(newestFirst);
  const kept = new Set(mine.slice(0, keep).map((b) => b.id));
  if (keepId) kept.add(keepId);
  return mine.filter((b) => !kept.has(b.id));
}

/** Sort order of backups: newest first (by creation time, then id). */
export function newestFirst(a: { id: string; createdAt: string }, b: { id: string; createdAt: string }): number {
  const byTime = Date.parse(b.createdAt) - Date.parse(a.createdAt);
  if (byTime !== 0 && !Number.isNaN(byTime)) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function key(schema: string, table: string): string {
  return `${schema}\u0000${table}`;
}

function compareNames(a: { schema: string; table: string }, b: { schema: string; table: string }): number {
  return a.schema === b.schema ? (a.table < b.table ? -1 : a.table > b.table ? 1 : 0) : a.schema < b.schema ? -1 : 1;
}
