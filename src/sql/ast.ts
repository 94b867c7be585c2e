/**
 * Small, pure helpers over libpg-query ASTs: names, types, expressions, walking.
 * Nothing here decides policy; the classification table and the rules do.
 */

/** The schema unqualified names resolve to. */
export const DEFAULT_SCHEMA = 'public';

/** A relation name split into parts, with `public` for an unqualified one. */
export interface QualifiedName {
  schema: string;
  name: string;
  /** `schema.name`, e.g. `public.users`. */
  qualified: string;
}

/** Returns the single key of a node object (`{ AlterTableStmt: ... }` → `AlterTableStmt`). */
export function nodeType(node: unknown): string | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  return Object.keys(node)[0];
}

/** Returns the body of a node wrapper (`{ ColumnDef: body }` → body), or undefined. */
export function unwrap(node: any, type?: string): any {
  if (node === null || typeof node !== 'object') return undefined;
  const key = type ?? Object.keys(node)[0];
  return key === undefined ? undefined : node[key];
}

/** Qualifies a schema and name, defaulting the schema to `public`. */
export function qualify(schema: string | undefined | null, name: string): QualifiedName {
  const s = schema || DEFAULT_SCHEMA;
  return { schema: s, name, qualified: `${s}.${name}` };
}

/** The qualified name of a RangeVar (table reference). */
export function rangeVarName(rangeVar: any): QualifiedName {
  const rv = rangeVar?.RangeVar ?? rangeVar ?? {};
  return qualify(rv.schemaname, String(rv.relname ?? '?'));
}

/** The string values of a list of `String` nodes (`[{String:{sval:'a'}}]` → `['a']`). */
export function stringList(items: any[] | undefined): string[] {
  return (items ?? []).map((item) => {
    const s = item?.String;
    if (s) return String(s.sval ?? '');
    const a = item?.A_Star;
    if (a) return '*';
    return '';
  });
}

/** The qualified name of a `List` of `String` nodes (`DROP TABLE s.t` objects), or of a TypeName. */
export function objectName(object: any): QualifiedName {
  if (object?.List) {
    const parts = stringList(object.List.items);
    return parts.length > 1 ? qualify(parts[parts.length - 2], parts[parts.length - 1]!) : qualify(undefined, parts[0] ?? '?');
  }
  if (object?.String) return qualify(undefined, String(object.String.sval));
  if (object?.TypeName) return typeQualifiedName(object.TypeName);
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
export function typeInfo(typeName: any): TypeInfo {
  const t = typeName?.TypeName ?? typeName ?? {};
  const names = stringList(t.names);
  const name = (names[names.length - 1] ?? '?').toLowerCase();
  const schema = names.length > 1 ? names[names.length - 2] : undefined;
  const mods: number[] = [];
  for (const mod of t.typmods ?? []) {
    const ival = mod?.A_Const?.ival;
    if (ival !== undefined) mods.push(Number(ival.ival ?? 0));
  }
  const array = Array.isArray(t.arrayBounds) && t.arrayBounds.length > 0;
  const shown = DISPLAY_NAMES[name] ?? name;
  const display = `${shown}${mods.length ? `(${mods.join(',')})` : ''}${array ? '[]' : ''}`;
  return { name, schema, mods, array, display, location: typeof t.location === 'number' ? t.location : -1 };
}

/** The qualified name of a user type (`DROP TYPE`, enum names); built-ins keep `pg_catalog`. */
export function typeQualifiedName(typeName: any): QualifiedName {
  const t = typeName?.TypeName ?? typeName ?? {};
  const names = stringList(t.names ?? t);
  return names.length > 1 ? qualify(names[names.length - 2], names[names.length - 1]!) : qualify(undefined, names[0] ?? '?');
}

/** The column definitions and table constraints of a CREATE TABLE. */
export function createTableElements(create: any): { columns: any[]; constraints: any[] } {
  const columns: any[] = [];
  const constraints: any[] = [];
  for (const element of create?.tableElts ?? []) {
    if (element?.ColumnDef) columns.push(element.ColumnDef);
    else if (element?.Constraint) constraints.push(element.Constraint);
  }
  return { columns, constraints };
}

/** The constraints attached to a ColumnDef (unwrapped). */
export function columnConstraints(columnDef: any): any[] {
  return (columnDef?.constraints ?? []).map((c: any) => c?.Constraint).filter(Boolean);
}

/** Finds a column constraint by `contype` (`CONSTR_NOTNULL`, `CONSTR_DEFAULT`, ...). */
export function findColumnConstraint(columnDef: any, contype: string): any {
  return columnConstraints(columnDef).find((c) => c.contype === contype);
}

/** The default expression of a ColumnDef (from `DEFAULT ...` or `raw_default`), if any. */
export function columnDefault(columnDef: any): any {
  return findColumnConstraint(columnDef, 'CONSTR_DEFAULT')?.raw_expr ?? columnDef?.raw_default;
}

/** Depth-first walk over every object in an AST; `visit` returning false skips the children. */
export function walk(node: unknown, visit: (key: string, value: any) => boolean | void): void {
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
    if (key === 'A_Const' && value.sval && typeof value.sval.sval === 'string') out.add(value.sval.sval);
  });
  return out;
}

/** The (lower-cased, unqualified) names of every function called in an expression. */
export function calledFunctions(expr: unknown): { name: string; location: number }[] {
  const out: { name: string; location: number }[] = [];
  walk(expr, (key, value) => {
    if (key === 'FuncCall') {
      const parts = stringList(value.funcname);
      out.push({ name: (parts[parts.length - 1] ?? '').toLowerCase(), location: value.location ?? -1 });
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
export function defElemNames(options: any[] | undefined): Set<string> {
  const out = new Set<string>();
  for (const option of options ?? []) {
    const name = option?.DefElem?.defname;
    if (typeof name === 'string') out.add(name.toLowerCase());
  }
  return out;
}

/**
 * When `expr` is `col IS NOT NULL` (possibly inside ANDs), the tested column names.
 * Used to recognise `CHECK (col IS NOT NULL)`.
 */
export function notNullTestedColumns(expr: any): string[] {
  const out: string[] = [];
  const visit = (e: any): void => {
    if (e?.NullTest && e.NullTest.nulltesttype === 'IS_NOT_NULL') {
      const fields = stringList(e.NullTest.arg?.ColumnRef?.fields);
      if (fields.length > 0) out.push(fields[fields.length - 1]!);
    } else if (e?.BoolExpr && e.BoolExpr.boolop === 'AND_EXPR') {
      for (const arg of e.BoolExpr.args ?? []) visit(arg);
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
