/**
 * How to put one backed-up object back, given what the database holds now. Pure.
 *
 * - A table that no longer exists is recreated from its definition and loaded.
 * - A table that exists gets its missing rows back: loaded directly when it is empty and its
 *   columns match, else inserted skipping rows whose key is already there with the same values.
 *   Values written since the backup are conflicts (the restore refuses) unless `--overwrite`: rows
 *   whose key exists with other values, a table of that name created since with rows, a dropped
 *   column added again that holds values other than the backup's.
 * - Dropped columns are re-added with their original type; dropped or retyped columns are filled
 *   back by primary key (with a cast to the column's current type when that differs).
 * - `--into-schema S` recreates every object as a new table in S, for inspection.
 */
import { DbctlError } from '../errors.js';
import type { BackupManifest, BackupObject, ColumnInfo } from './types.js';
import { displayName } from './sql-text.js';
import { usesSequence } from './ddl.js';

/** A table as it is now. */
export interface CurrentTable {
  oid: string;
  /** `public.users` as PostgreSQL quotes it. */
  ref: string;
  partitioned: boolean;
  /** `schema.table` of the partitioned table it is a partition of, or null. */
  partitionOf: string | null;
  columns: { name: string; type: string; notNull: boolean; generated: boolean; attnum: number }[];
  primaryKey: string[];
  /** True when it has at least one unique constraint or index (ON CONFLICT can skip duplicates). */
  hasUniqueKey: boolean;
  empty: boolean;
}

/** A column copied from the backup into an existing table. */
export interface ColumnCopy {
  name: string;
  /** The type to cast the backed-up value to, when the current type differs; else null. */
  castTo: string | null;
}

/** What to do for one object. */
export type RestoreAction =
  | { kind: 'create'; schema: string; table: string; mode: 'original' | 'inspect'; notes: string[] }
  | {
      kind: 'insert';
      schema: string;
      table: string;
      /** COPY straight into the table (it is empty and its columns match). */
      direct: boolean;
      /** Skip rows whose key already exists (`ON CONFLICT DO NOTHING`). */
      skipConflicts: boolean;
      columns: ColumnCopy[];
      /** The table's primary key (all among `columns`) to match rows by; empty when it has none. */
      key: string[];
      /** The table was dropped and one of that name created since (another oid) and it holds rows: a conflict unless overwriting. */
      recreated: boolean;
      /** Rows whose key exists with other values are set to the backup's (`--overwrite`); else they are conflicts. */
      overwrite: boolean;
      notes: string[];
    }
  | {
      kind: 'fill-columns';
      schema: string;
      table: string;
      /** Columns to re-add before filling (missing now), with their original definition. */
      add: { column: ColumnInfo; withDefault: boolean; setNotNull: boolean }[];
      /** Columns to set from the backup by key. */
      update: ColumnCopy[];
      /** Key columns matched between the table and the backup. */
      key: ColumnCopy[];
      /** Columns of `update` that exist again (dropped, then added since): values in them are conflicts unless overwriting. */
      reAdded: string[];
      overwrite: boolean;
      notes: string[];
    }
  | { kind: 'refuse'; message: string; hint: string };

/** Selects the objects `--tables` names (every object when none given); USAGE naming unknown tables. */
export function selectObjects(manifest: BackupManifest, tables: readonly { schema: string; table: string }[] | undefined): BackupObject[] {
  if (!tables || tables.length === 0) return manifest.objects;
  const unknown = tables.filter((t) => !manifest.objects.some((o) => o.schema === t.schema && o.table === t.table));
  if (unknown.length) {
    const have = manifest.objects.map((o) => displayName(o.schema, o.table)).join(', ') || 'none';
    throw new DbctlError(
      'USAGE',
      `backup ${manifest.id} has no ${unknown.map((t) => displayName(t.schema, t.table)).join(', ')} (it holds: ${have})`,
      {
        hint: `run \`dbctl backups --json\` to see what backup ${manifest.id} holds`,
      },
    );
  }
  return manifest.objects.filter((o) => tables.some((t) => t.schema === o.schema && t.table === o.table));
}

/**
 * True when the table now at the destination is not the table that was backed up: another oid
 * (manifests without one: it was backed up because it was dropped).
 */
export function isRecreated(object: BackupObject, current: CurrentTable): boolean {
  if (object.tableOid) return current.oid !== object.tableOid;
  return object.reasons.some((r) => /^DROP (TABLE|SCHEMA)\b/i.test(r));
}

/** True when column `name` of the table now is not the backed-up column but one added since (after it was dropped). */
export function isReAdded(object: BackupObject, current: CurrentTable, name: string): boolean {
  const backed = object.columns.find((c) => c.name === name);
  const now = current.columns.find((c) => c.name === name);
  if (!backed || !now) return false;
  if (object.tableOid && backed.attnum !== undefined) return current.oid !== object.tableOid || now.attnum !== backed.attnum;
  return object.reasons.some((r) => /^DROP (COLUMN|TYPE|DOMAIN)\b/i.test(r) && r.endsWith(` ${name}`));
}

/**
 * Decides how to restore `object` given the table now at the destination (null when absent).
 * `overwrite` (`--overwrite`): values written since the backup may be replaced by the backup's.
 */
export function planRestoreObject(
  object: BackupObject,
  current: CurrentTable | null,
  intoSchema: string | null,
  overwrite = false,
): RestoreAction {
  const name = displayName(object.schema, object.table);
  if (intoSchema !== null) {
    if (current) {
      return {
        kind: 'refuse',
        message: `${displayName(intoSchema, object.table)} already exists`,
        hint: `restore into a new schema (--into-schema ${intoSchema}_2), or drop ${displayName(intoSchema, object.table)} first`,
      };
    }
    return { kind: 'create', schema: intoSchema, table: object.table, mode: 'inspect', notes: [] };
  }

  if (object.whole) {
    if (!current) {
      if (!object.definition) {
        return {
          kind: 'refuse',
          message: `backup of ${name} has no table definition`,
          hint: `restore it into another schema with --into-schema`,
        };
      }
      return { kind: 'create', schema: object.schema, table: object.table, mode: 'original', notes: [] };
    }
    if (object.affectedColumns.length > 0) {
      return {
        kind: 'refuse',
        message: `${name} exists and its backed-up columns (${object.affectedColumns.join(', ')}) cannot be matched to its rows: ${object.primaryKey.length ? 'a primary key column was changed' : 'it has no primary key'}`,
        hint: `restore it into another schema with --into-schema <schema> and copy the columns back by hand`,
      };
    }
    const notes: string[] = [];
    const columns: ColumnCopy[] = [];
    let matches = true;
    for (const column of object.columns) {
      const now = current.columns.find((c) => c.name === column.name);
      if (!now) {
        notes.push(`column ${column.name} no longer exists in ${name}: its values are not restored`);
        matches = false;
        continue;
      }
      if (now.generated) {
        notes.push(`column ${column.name} is now generated: its values are recomputed`);
        matches = false;
        continue;
      }
      const castTo = sameType(column.type, now.type) ? null : now.type;
      if (castTo) {
        notes.push(`column ${column.name} is now ${now.type} (was ${column.type}): values restored with a cast`);
        matches = false;
      }
      columns.push({ name: column.name, castTo });
    }
    const base = { kind: 'insert' as const, schema: object.schema, table: object.table, columns, notes };
    if (current.empty) return { ...base, direct: matches, skipConflicts: false, key: [], recreated: false, overwrite: false };
    if (current.primaryKey.length === 0 && !current.hasUniqueKey) {
      return {
        kind: 'refuse',
        message: `${name} is not empty and has no primary key or unique key: restoring its rows would duplicate them`,
        hint: `restore it into another schema with --into-schema <schema> and merge by hand, or empty ${name} first`,
      };
    }
    const key = current.primaryKey.every((k) => columns.some((c) => c.name === k)) ? current.primaryKey : [];
    if (overwrite && key.length === 0) {
      return {
        kind: 'refuse',
        message: `${name} is not empty and its rows cannot be matched to the backup's by a primary key, so --overwrite cannot replace them`,
        hint: `restore it into another schema with --into-schema <schema> and merge by hand`,
      };
    }
    notes.push(
      overwrite
        ? `${name} is not empty: rows whose key already exists were set to the backup's values (--overwrite)`
        : `${name} is not empty: rows whose key already exists are kept as they are`,
    );
    return { ...base, direct: false, skipConflicts: true, key, recreated: isRecreated(object, current), overwrite };
  }

  // primary key + affected columns
  if (!current) {
    return {
      kind: 'refuse',
      message: `${name} no longer exists, so its columns ${object.affectedColumns.join(', ')} cannot be put back into it`,
      hint: `restore them into another schema with --into-schema <schema> to inspect them, or restore the table's own backup first`,
    };
  }
  const notes: string[] = [];
  const key: ColumnCopy[] = [];
  for (const pk of object.primaryKey) {
    const backed = object.columns.find((c) => c.name === pk);
    const now = current.columns.find((c) => c.name === pk);
    if (!backed || !now) {
      return {
        kind: 'refuse',
        message: `${name} no longer has its key column ${pk}, so rows cannot be matched`,
        hint: `restore into another schema with --into-schema <schema> and copy the values back by hand`,
      };
    }
    key.push({ name: pk, castTo: sameType(backed.type, now.type) ? null : now.type });
  }
  const add: { column: ColumnInfo; withDefault: boolean; setNotNull: boolean }[] = [];
  const update: ColumnCopy[] = [];
  for (const columnName of object.affectedColumns) {
    const backed = object.columns.find((c) => c.name === columnName);
    if (!backed) continue;
    const now = current.columns.find((c) => c.name === columnName);
    if (!now) {
      const withDefault = backed.default !== null && !usesSequence(backed.default);
      if (backed.default !== null && !withDefault)
        notes.push(`column ${columnName} re-added without its default ${backed.default} (its sequence went with the column)`);
      add.push({ column: backed, withDefault, setNotNull: backed.notNull });
      update.push({ name: columnName, castTo: null });
      notes.push(`column ${columnName} re-added as ${backed.type}`);
      continue;
    }
    if (now.generated) {
      notes.push(`column ${columnName} is now generated: not restored`);
      continue;
    }
    const castTo = sameType(backed.type, now.type) ? null : now.type;
    if (castTo) notes.push(`column ${columnName} is now ${now.type} (was ${backed.type}): values restored with a cast to ${now.type}`);
    update.push({ name: columnName, castTo });
  }
  const reAdded = update.map((c) => c.name).filter((c) => isReAdded(object, current, c));
  if (overwrite && reAdded.length) notes.push(`values written since the backup into ${reAdded.join(', ')} were replaced (--overwrite)`);
  return { kind: 'fill-columns', schema: object.schema, table: object.table, add, update, key, reAdded, overwrite, notes };
}

/** Types compare equal as PostgreSQL prints them (both read with search_path = pg_catalog). */
export function sameType(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * Orders objects so that a table is loaded after the tables it references (`edges`: referencing →
 * referenced, among the tables being restored), as existing foreign keys check rows as they go in.
 * Cycles and unrelated tables keep their order.
 */
export function orderByReferences<T extends { schema: string; table: string }>(
  items: readonly T[],
  edges: readonly { from: string; to: string }[],
): T[] {
  const name = (i: { schema: string; table: string }) => `${i.schema}.${i.table}`;
  const done = new Set<string>();
  const visiting = new Set<string>();
  const ordered: T[] = [];
  const byName = new Map(items.map((i) => [name(i), i]));
  const visit = (item: T) => {
    const key = name(item);
    if (done.has(key) || visiting.has(key)) return;
    visiting.add(key);
    for (const edge of edges) {
      const target = edge.from === key && edge.to !== key ? byName.get(edge.to) : undefined;
      if (target) visit(target);
    }
    visiting.delete(key);
    done.add(key);
    ordered.push(item);
  };
  for (const item of items) visit(item);
  return ordered;
}
