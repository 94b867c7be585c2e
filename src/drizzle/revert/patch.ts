/**
 * Undoing one migration's changes inside a newer snapshot: a three-way patch. Every object the
 * migration changed (its `after` differs from its `before`) is put back to `before` in `newest`,
 * unless a later migration changed it again (then it is left as it is now and reported). Objects
 * the migration renamed are matched across the rename. Pure.
 */
import type { SeenRename } from './renames.js';

type Json = Record<string, any>;

/** The outcome of a patch. */
export interface PatchResult {
  snapshot: Json;
  /** Objects a later migration changed again, left as they are now: `column users.age`. */
  conflicts: string[];
  /** Objects removed because what they were on is gone (`index users_age_idx`, on a removed column). */
  cascaded: string[];
}

const TABLE_PARTS = [
  'columns',
  'indexes',
  'foreignKeys',
  'compositePrimaryKeys',
  'uniqueConstraints',
  'policies',
  'checkConstraints',
] as const;
const PART_WORD: Record<string, string> = {
  columns: 'column',
  indexes: 'index',
  foreignKeys: 'foreign key',
  compositePrimaryKeys: 'primary key',
  uniqueConstraints: 'unique constraint',
  policies: 'policy',
  checkConstraints: 'check constraint',
  tables: 'table',
  enums: 'enum',
  schemas: 'schema',
  sequences: 'sequence',
  views: 'view',
  roles: 'role',
};
const COLLECTIONS = ['schemas', 'enums', 'sequences', 'roles', 'policies', 'tables', 'views'] as const;

/** Deep equality of JSON values (key order ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as Json).filter((k) => (a as Json)[k] !== undefined);
  const kb = Object.keys(b as Json).filter((k) => (b as Json)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameJson((a as Json)[k], (b as Json)[k]));
}

const tableKey = (name: string) => (name.includes('.') ? name : `public.${name}`);

/**
 * `newest` with the changes from `after` back to `before` undone, objects renamed by the migration
 * (`renames`, as the migration made them: from = before, to = after) matched across the rename.
 */
export function undoChanges(newest: Json, after: Json, before: Json, renames: readonly SeenRename[]): PatchResult {
  const conflicts: string[] = [];
  const cascaded: string[] = [];
  const result: Json = structuredClone(newest);
  const keyed = (kind: SeenRename['kind']) =>
    new Map(
      renames
        .filter((r) => r.kind === kind)
        .map((r) => [kind === 'schema' ? r.to : tableKey(r.to), kind === 'schema' ? r.from : tableKey(r.from)]),
    );
  const renameMaps: Record<string, Map<string, string>> = {
    tables: keyed('table'),
    enums: keyed('enum'),
    sequences: keyed('sequence'),
    views: keyed('view'),
    schemas: keyed('schema'),
  };
  for (const collection of COLLECTIONS) {
    result[collection] = patchKeyed(
      newest[collection] ?? {},
      after[collection] ?? {},
      before[collection] ?? {},
      renameMaps[collection] ?? new Map(),
      PART_WORD[collection]!,
      conflicts,
      collection === 'tables' ? (n, a, b, label) => patchTable(n, a, b, renames, label, conflicts) : undefined,
    );
  }
  const tableKeys = new Set(Object.keys(result.tables as Json));
  for (const [key, table] of Object.entries(result.tables as Json)) removeDangling(key, table, tableKeys, cascaded);
  return { snapshot: result, conflicts, cascaded };
}

function patchKeyed(
  newest: Json,
  after: Json,
  before: Json,
  renamed: Map<string, string>,
  word: string,
  conflicts: string[],
  recurse?: (newest: Json, after: Json, before: Json, label: string) => Json,
): Json {
  const result: Json = { ...newest };
  const handled = new Set<string>();
  for (const [afterKey, beforeKey] of renamed) {
    if (!(afterKey in after) || !(beforeKey in before)) continue;
    handled.add(afterKey).add(beforeKey);
    const label = `${word} ${display(afterKey)}`;
    if (!(afterKey in newest)) {
      conflicts.push(`${label} (renamed from ${display(beforeKey)}): a later migration removed or renamed it again`);
      continue;
    }
    const value = recurse
      ? recurse(newest[afterKey], after[afterKey], before[beforeKey], label)
      : sameJson(newest[afterKey], after[afterKey])
        ? before[beforeKey]
        : undefined;
    if (value === undefined) {
      conflicts.push(`${label}: a later migration changed it again`);
      continue;
    }
    delete result[afterKey];
    result[beforeKey] = value;
  }
  const keys = new Set([...Object.keys(after), ...Object.keys(before)]);
  for (const key of keys) {
    if (handled.has(key)) continue;
    const a = after[key];
    const b = before[key];
    if (sameJson(a, b)) continue;
    const n = newest[key];
    if (sameJson(n, a)) {
      if (b === undefined) delete result[key];
      else result[key] = b;
    } else if (recurse && a !== undefined && b !== undefined && n !== undefined) {
      result[key] = recurse(n, a, b, `${word} ${display(key)}`);
    } else {
      conflicts.push(`${word} ${display(key)}: a later migration changed it again`);
    }
  }
  return result;
}

function patchTable(newest: Json, after: Json, before: Json, renames: readonly SeenRename[], label: string, conflicts: string[]): Json {
  const result: Json = { ...newest };
  for (const prop of new Set([...Object.keys(after), ...Object.keys(before)])) {
    if ((TABLE_PARTS as readonly string[]).includes(prop)) continue;
    if (sameJson(after[prop], before[prop])) continue;
    if (sameJson(newest[prop], after[prop])) result[prop] = before[prop];
    else conflicts.push(`${label} (${prop}): a later migration changed it again`);
  }
  const afterTable = qualifiedName(after);
  const beforeTable = qualifiedName(before);
  const columnRenames = new Map(
    renames
      .filter((r) => r.kind === 'column')
      .flatMap((r) => {
        const [fromTable, fromColumn] = splitColumn(r.from);
        const [toTable, toColumn] = splitColumn(r.to);
        return [fromTable, toTable].some((t) => t === afterTable || t === beforeTable) ? [[toColumn, fromColumn] as const] : [];
      }),
  );
  for (const part of TABLE_PARTS) {
    result[part] = patchKeyed(
      newest[part] ?? {},
      after[part] ?? {},
      before[part] ?? {},
      part === 'columns' ? columnRenames : new Map(),
      `${PART_WORD[part]} ${shortName(after)}.`,
      conflicts,
    );
  }
  return result;
}

/** Indexes and constraints of columns that are gone go with them (as PostgreSQL drops them). */
function removeDangling(key: string, table: Json, tables: Set<string>, cascaded: string[]): void {
  const columns = new Set(Object.keys(table.columns ?? {}));
  const missing = (names: unknown) => Array.isArray(names) && names.some((c) => typeof c === 'string' && !columns.has(c));
  const drop = (part: string, name: string) => {
    if (!(name in table[part])) return;
    delete table[part][name];
    cascaded.push(`${PART_WORD[part]} ${name} on ${display(key)}`);
  };
  for (const [name, index] of Object.entries((table.indexes ?? {}) as Json)) {
    const cols = (index.columns ?? []).filter((c: Json) => !c.isExpression).map((c: Json) => c.expression);
    if (missing(cols)) drop('indexes', name);
  }
  for (const [name, fk] of Object.entries((table.foreignKeys ?? {}) as Json)) {
    if (!tables.has(`${fk.schemaTo || 'public'}.${fk.tableTo}`)) drop('foreignKeys', name);
  }
  for (const part of ['foreignKeys', 'compositePrimaryKeys', 'uniqueConstraints'] as const) {
    for (const [name, constraint] of Object.entries((table[part] ?? {}) as Json)) {
      if (missing(constraint.columnsFrom ?? constraint.columns)) drop(part, name);
    }
  }
}

const display = (key: string) => key.replace(/^public\./, '');
const qualifiedName = (table: Json) => (table.schema && table.schema !== 'public' ? `${table.schema}.${table.name}` : String(table.name));
const shortName = (table: Json) => qualifiedName(table);
function splitColumn(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  return [name.slice(0, dot), name.slice(dot + 1)];
}
