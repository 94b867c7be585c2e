/**
 * Small, pure helpers over libpg-query ASTs: names, types, expressions, walking.
 * Nothing here decides policy; the classification table and the rules do.
 *
 * The typed boundary: the parser's JSON is typed by `@pgsql/types` (shipped with libpg-query, the
 * same PostgreSQL version), re-exported here as `Pg`. `nodeOf` / `bodyOf` are where an untyped tree
 * becomes a typed node: the only casts over the AST, each checked by the node's own key.
 */
import type * as Pg from '@pgsql/types';

export type { Pg };

/** Every node type name (`AlterTableStmt`, `ColumnDef`, `String`, ...). */
export type NodeKind = Pg.Node extends infer N ? (N extends unknown ? keyof N : never) : never;

/** The body of a node of type `K` (`NodeBody<'ColumnDef'>` is `Pg.ColumnDef`). */
export type NodeBody<K extends NodeKind> = Extract<Pg.Node, { [P in K]: unknown }>[K];

/**
 * The body of `node` when it is a `kind` node (`{ ColumnDef: body }` → body), else undefined.
 * The node's key is checked; its fields are the parser's, as `@pgsql/types` describes them.
 */
export function nodeOf<K extends NodeKind>(node: unknown, kind: K): NodeBody<K> | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const body = (node as Record<string, unknown>)[kind];
  return body !== null && typeof body === 'object' ? (body as NodeBody<K>) : undefined;
}

/**
 * A statement body of kind `kind`: `body` when `statementKind` (the parser's key for it) is `kind`.
 * For bodies already unwrapped from their node (a `RuleStatement.node`, a `walk` value).
 */
export function bodyOf<K extends NodeKind>(statementKind: string, body: unknown, kind: K): NodeBody<K> | undefined {
  if (statementKind !== kind || body === null || typeof body !== 'object') return undefined;
  return body as NodeBody<K>;
}

/** A field that is either a wrapped node (`{ RangeVar: {...} }`) or its bare body (`RangeVar` fields are bare). */
function bare<K extends NodeKind>(node: unknown, kind: K): NodeBody<K> | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  return nodeOf(node, kind) ?? (node as NodeBody<K>);
}

/** The schema unqualified names resolve to. */
export const DEFAULT_SCHEMA = 'public';

/** A relation name split into parts, with `public` for an unqualified one. */
export interface QualifiedName {
  schema: string;
  name: string;
  /** `schema.name`, e.g. `public.users`. */
  qualified: string;
}

/** True for a list of nodes (a field such as `CreateEnumStmt.typeName` is one). */
export function isNodeList(value: unknown): value is readonly Pg.Node[] {
  return Array.isArray(value);
}

/** The RangeVar of a field holding one, wrapped (`{ RangeVar: {...} }`) or bare (most fields). */
export function rangeVarOf(node: Pg.RangeVar | Pg.Node | undefined): Pg.RangeVar | undefined {
  return bare(node, 'RangeVar');
}

/** Returns the single key of a node object (`{ AlterTableStmt: ... }` → `AlterTableStmt`). */
export function nodeType(node: unknown): string | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  return Object.keys(node)[0];
}

/** Returns the body of a node wrapper (`{ ColumnDef: body }` → body), or undefined. */
export function unwrap(node: unknown, type?: string): unknown {
  if (node === null || typeof node !== 'object') return undefined;
  const key = type ?? Object.keys(node)[0];
  return key === undefined ? undefined : (node as Record<string, unknown>)[key];
}

/** Qualifies a schema and name, defaulting the schema to `public`. */
export function qualify(schema: string | undefined | null, name: string): QualifiedName {
  const s = schema || DEFAULT_SCHEMA;
  return { schema: s, name, qualified: `${s}.${name}` };
}

/** The qualified name of a RangeVar (table reference). */
export function rangeVarName(rangeVar: Pg.RangeVar | Pg.Node | undefined): QualifiedName {
  const rv = bare(rangeVar, 'RangeVar') ?? {};
  return qualify(rv.schemaname, String(rv.relname ?? '?'));
}

/** The string values of a list of `String` nodes (`[{String:{sval:'a'}}]` → `['a']`). */
export function stringList(items: readonly Pg.Node[] | undefined): string[] {
  return (items ?? []).map((item) => {
    const s = nodeOf(item, 'String');
    if (s) return String(s.sval ?? '');
    if (nodeOf(item, 'A_Star')) return '*';
    return '';
  });
}

/** The qualified name of a `List` of `String` nodes (`DROP TABLE s.t` objects), or of a TypeName. */
export function objectName(object: Pg.Node | readonly Pg.Node[] | undefined): QualifiedName {
  const list = nodeOf(object, 'List');
  if (list) {
    const parts = stringList(list.items);
    return parts.length > 1 ? qualify(parts[parts.length - 2], parts[parts.length - 1]!) : qualify(undefined, parts[0] ?? '?');
  }
  const string = nodeOf(object, 'String');
  if (string) return qualify(undefined, String(string.sval));
  const typeName = nodeOf(object, 'TypeName');
  if (typeName) return typeQualifiedName(typeName);
  if (Array.isArray(object)) {
    const parts = stringList(object);
    return parts.length > 1 ? qualify(parts[parts.length - 2], parts[parts.length - 1]!) : qualify(undefined, parts[0] ?? '?');
  }
  return qualify(undefined, '?');
}

/** A column type as written, normalised to PostgreSQL's internal names (`int4`, `varchar`, ...). */
export interface TypeInfo {
  /** Internal base name, lower case: `int4`, `varchar`, `numeric`, `timestamp`, `serial`, `mood`. */
  name: string;
  /** Schema when written (`pg_catalog` for SQL-standard spellings). */
  schema: string | undefined;
  /** Integer type modifiers: `varchar(20)` → [20], `numeric(10,2)` → [10, 2]. */
  mods: number[];
  /** True for an array type (`text[]`). */
  array: boolean;
  /** Readable spelling, e.g. `varchar(20)`, `numeric(10,2)`, `text[]`. */
  display: string;
  /** Source location of the type name, or -1. */
  location: number;
}

const DISPLAY_NAMES: Record<string, string> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  bool: 'boolean',
  bpchar: 'char',
  timestamptz: 'timestamptz',
};

/** Reads a TypeName node (with or without its `TypeName` wrapper). */
export function typeInfo(typeName: Pg.TypeName | Pg.Node | undefined): TypeInfo {
  const t = bare(typeName, 'TypeName') ?? {};
  const names = stringList(t.names);
  const name = (names[names.length - 1] ?? '?').toLowerCase();
  const schema = names.length > 1 ? names[names.length - 2] : undefined;
  const mods: number[] = [];
  for (const mod of t.typmods ?? []) {
    const ival = nodeOf(mod, 'A_Const')?.ival;
    if (ival !== undefined) mods.push(Number(ival.ival ?? 0));
  }
  const array = Array.isArray(t.arrayBounds) && t.arrayBounds.length > 0;
  const shown = DISPLAY_NAMES[name] ?? name;
  const display = `${shown}${mods.length ? `(${mods.join(',')})` : ''}${array ? '[]' : ''}`;
  return { name, schema, mods, array, display, location: typeof t.location === 'number' ? t.location : -1 };
}

/** The qualified name of a user type (`DROP TYPE`, enum names); built-ins keep `pg_catalog`. */
export function typeQualifiedName(typeName: Pg.TypeName | Pg.Node | readonly Pg.Node[] | undefined): QualifiedName {
  const names = Array.isArray(typeName) ? stringList(typeName) : stringList(bare(typeName, 'TypeName')?.names);
  return names.length > 1 ? qualify(names[names.length - 2], names[names.length - 1]!) : qualify(undefined, names[0] ?? '?');
}

/** The column definitions and table constraints of a CREATE TABLE. */
export function createTableElements(create: Pg.CreateStmt | undefined): { columns: Pg.ColumnDef[]; constraints: Pg.Constraint[] } {
  const columns: Pg.ColumnDef[] = [];
  const constraints: Pg.Constraint[] = [];
  for (const element of create?.tableElts ?? []) {
    const column = nodeOf(element, 'ColumnDef');
    const constraint = nodeOf(element, 'Constraint');
    if (column) columns.push(column);
    else if (constraint) constraints.push(constraint);
  }
  return { columns, constraints };
}

/** The constraints attached to a ColumnDef (unwrapped). */
export function columnConstraints(columnDef: Pg.ColumnDef | undefined): Pg.Constraint[] {
  return (columnDef?.constraints ?? []).map((c) => nodeOf(c, 'Constraint')).filter((c): c is Pg.Constraint => c !== undefined);
}

/** Finds a column constraint by `contype` (`CONSTR_NOTNULL`, `CONSTR_DEFAULT`, ...). */
export function findColumnConstraint(columnDef: Pg.ColumnDef | undefined, contype: Pg.ConstrType): Pg.Constraint | undefined {
  return columnConstraints(columnDef).find((c) => c.contype === contype);
}

/** The default expression of a ColumnDef (from `DEFAULT ...` or `raw_default`), if any. */
export function columnDefault(columnDef: Pg.ColumnDef | undefined): Pg.Node | undefined {
  return findColumnConstraint(columnDef, 'CONSTR_DEFAULT')?.raw_expr ?? columnDef?.raw_default;
}

/**
 * Depth-first walk over every object in an AST; `visit` returning false skips the children.
 * `value` is whatever sits under `key`: a node body when `key` is a node type (read it with
 * `bodyOf(key, value, 'FuncCall')`), a field's object or array otherwise.
 */
export function walk(node: unknown, visit: (key: string, value: object) => boolean | void): void {
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push(current[i]);
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    for (const key of Object.keys(current)) {
      const value = (current as Record<string, unknown>)[key];
      if (value === null || typeof value !== 'object') continue;
      if (visit(key, value) === false) continue;
      stack.push(value);
    }
  }
}

/** Every string constant (`'text'` literals) in an AST. */
export function stringConstants(node: unknown): Set<string> {
  const out = new Set<string>();
  walk(node, (key, value) => {
    const constant = bodyOf(key, value, 'A_Const');
    if (constant?.sval && typeof constant.sval.sval === 'string') out.add(constant.sval.sval);
  });
  return out;
}

/** The (lower-cased, unqualified) names of every function called in an expression. */
export function calledFunctions(expr: unknown): { name: string; location: number }[] {
  const out: { name: string; location: number }[] = [];
  walk(expr, (key, value) => {
    const call = bodyOf(key, value, 'FuncCall');
    if (call) {
      const parts = stringList(call.funcname);
      out.push({ name: (parts[parts.length - 1] ?? '').toLowerCase(), location: call.location ?? -1 });
    }
  });
  return out;
}

/** The first `location` found in a node (depth-first), or -1. */
export function firstLocation(node: unknown): number {
  let found = -1;
  const search = (n: unknown): void => {
    if (found >= 0 || n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) {
      for (const item of n) search(item);
      return;
    }
    const rec = n as Record<string, unknown>;
    if (typeof rec.location === 'number' && rec.location >= 0) {
      found = rec.location;
      return;
    }
    for (const key of Object.keys(rec)) search(rec[key]);
  };
  search(node);
  return found;
}

/** Reads a `DefElem` list into name → node (e.g. VACUUM / REINDEX options). */
export function defElemNames(options: readonly Pg.Node[] | undefined): Set<string> {
  const out = new Set<string>();
  for (const option of options ?? []) {
    const name = nodeOf(option, 'DefElem')?.defname;
    if (typeof name === 'string') out.add(name.toLowerCase());
  }
  return out;
}

/**
 * When `expr` is `col IS NOT NULL` (possibly inside ANDs), the tested column names.
 * Used to recognise `CHECK (col IS NOT NULL)`.
 */
export function notNullTestedColumns(expr: Pg.Node | undefined): string[] {
  const out: string[] = [];
  const visit = (e: Pg.Node | undefined): void => {
    const test = nodeOf(e, 'NullTest');
    const bool = nodeOf(e, 'BoolExpr');
    if (test && test.nulltesttype === 'IS_NOT_NULL') {
      const fields = stringList(nodeOf(test.arg, 'ColumnRef')?.fields);
      if (fields.length > 0) out.push(fields[fields.length - 1]!);
    } else if (bool && bool.boolop === 'AND_EXPR') {
      for (const arg of bool.args ?? []) visit(arg);
    }
  };
  visit(expr);
  return out;
}

/**
 * Adds `delta` to every non-negative `location` of an AST, in place (a statement parsed on its own
 * placed back into its file); a NaN `delta` (the place is unknown) makes every location -1.
 */
export function shiftLocations(node: unknown, delta: number): void {
  if (delta === 0 || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const item of node) shiftLocations(item, delta);
    return;
  }
  const record = node as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (key === 'location' && typeof value === 'number') {
      if (value >= 0) record[key] = Number.isNaN(delta) ? -1 : value + delta;
    } else if (value !== null && typeof value === 'object') shiftLocations(value, delta);
  }
}
