/**
 * Aligns an introspected snapshot with the snapshot it is compared to, so that only real
 * differences remain.
 *
 * drizzle-kit's introspection and its serializer write the same schema differently in places:
 * a default `'{}'::text[]` comes back as `'{""}'`, `'x'` as `'x'::text`, `0.00` as `'0.00'`, a
 * type `timestamp (3)` as `timestamp(3)`, and an index or constraint name longer than PostgreSQL's
 * 63 bytes comes back truncated. drizzle-kit push lives with some of that (it re-sets such
 * defaults on every push). Here, wherever the live value and the expected value mean the same
 * thing, the live snapshot takes the expected spelling; anything that means something else is
 * left alone, so the diff still reports it. Pure.
 */
import type { LiveFacts, PgSnapshot } from './introspect.js';

/** PostgreSQL's identifier limit (NAMEDATALEN - 1 bytes). */
const MAX_IDENTIFIER_BYTES = 63;

interface Column {
  name: string;
  type: string;
  typeSchema?: string;
  default?: unknown;
  generated?: unknown;
  [key: string]: unknown;
}

interface Table {
  name: string;
  schema: string;
  columns: Record<string, Column>;
  indexes: Record<string, { name: string }>;
  foreignKeys: Record<string, { name: string }>;
  compositePrimaryKeys: Record<string, { name: string }>;
  uniqueConstraints: Record<string, { name: string }>;
  checkConstraints: Record<string, { name: string }>;
  [key: string]: unknown;
}

/**
 * Returns a copy of `live` in which every value equivalent to `expected`'s is spelled as in
 * `expected`. `facts.rawDefaults` are the defaults as PostgreSQL prints them, which decide when
 * drizzle-kit's reading of a default lost something.
 */
export function alignLive(live: PgSnapshot, expected: PgSnapshot, facts?: Pick<LiveFacts, 'rawDefaults'>): PgSnapshot {
  const aligned = structuredClone(live) as PgSnapshot & { tables: Record<string, Table> };
  const want = expected.tables as Record<string, Table>;
  for (const [key, table] of Object.entries(aligned.tables)) {
    const other = want[key];
    if (!other) continue;
    restoreTruncatedNames(table.columns, other.columns);
    for (const part of ['indexes', 'foreignKeys', 'compositePrimaryKeys', 'uniqueConstraints', 'checkConstraints'] as const) {
      restoreTruncatedNames(table[part], other[part]);
    }
    for (const [name, index] of Object.entries(table.indexes)) {
      const target = other.indexes[name] as { with?: Record<string, unknown> } | undefined;
      const live = index as { with?: Record<string, unknown> };
      // storage parameters come back as text: fillfactor "70" is fillfactor 70
      if (target && sameParameters(live.with, target.with)) live.with = target.with;
    }
    for (const [name, column] of Object.entries(table.columns)) {
      const target = other.columns[name];
      if (!target) continue;
      if (canonicalType(column.type) === canonicalType(target.type)) column.type = target.type;
      if ((column.typeSchema ?? 'public') === (target.typeSchema ?? 'public')) {
        if (target.typeSchema === undefined) delete column.typeSchema;
        else column.typeSchema = target.typeSchema;
      }
      const raw = facts?.rawDefaults.get(`${table.schema || 'public'}.${table.name}.${name}`);
      if (sameDefault(column.default, target.default) || (raw !== undefined && sameDefault(raw, target.default))) {
        if (target.default === undefined) delete column.default;
        else column.default = target.default;
      }
      if (column.generated !== undefined && target.generated !== undefined) column.generated = target.generated;
    }
    alignSingleColumnPrimaryKey(table, other);
  }
  return aligned;
}

/**
 * A primary key of one column is one thing in PostgreSQL, however it was declared: drizzle-kit's
 * introspection reads it as the column's `primaryKey`, its serializer writes a table-level
 * `primaryKey({ columns: [t.id] })` as a composite key of one column. The live side takes the
 * expected side's form when the column is the same (and the constraint name, where known, too).
 */
function alignSingleColumnPrimaryKey(table: Table, other: Table): void {
  const liveKeys = Object.values(table.compositePrimaryKeys) as unknown as { name: string; columns: string[] }[];
  const wantKeys = Object.values(other.compositePrimaryKeys) as unknown as { name: string; columns: string[] }[];
  const liveColumn = Object.values(table.columns).filter((c) => c.primaryKey === true);
  const wantColumn = Object.values(other.columns).filter((c) => c.primaryKey === true);
  if (
    liveKeys.length === 0 &&
    liveColumn.length === 1 &&
    wantKeys.length === 1 &&
    wantColumn.length === 0 &&
    wantKeys[0]!.columns.length === 1
  ) {
    const key = wantKeys[0]!;
    if (key.columns[0] !== liveColumn[0]!.name) return;
    liveColumn[0]!.primaryKey = false;
    (table.compositePrimaryKeys as Record<string, unknown>)[key.name] = structuredClone(key);
  } else if (
    wantKeys.length === 0 &&
    wantColumn.length === 1 &&
    liveKeys.length === 1 &&
    liveColumn.length === 0 &&
    liveKeys[0]!.columns.length === 1
  ) {
    const key = liveKeys[0]!;
    if (key.columns[0] !== wantColumn[0]!.name) return;
    const column = table.columns[key.columns[0]!];
    if (!column) return;
    column.primaryKey = true;
    delete (table.compositePrimaryKeys as Record<string, unknown>)[key.name];
  }
}

function sameParameters(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): boolean {
  const norm = (o: Record<string, unknown> | undefined) =>
    JSON.stringify(
      Object.entries(o ?? {})
        .map(([k, v]) => [k.toLowerCase(), String(v).toLowerCase()])
        .sort(([x], [y]) => (x! < y! ? -1 : 1)),
    );
  return norm(a) === norm(b);
}

/** Renames entries whose expected name PostgreSQL truncated to 63 bytes back to the expected name. */
function restoreTruncatedNames(live: Record<string, { name: string }>, expected: Record<string, { name: string }>): void {
  for (const name of Object.keys(expected)) {
    if (Buffer.byteLength(name) <= MAX_IDENTIFIER_BYTES || live[name]) continue;
    const truncated = truncateIdentifier(name);
    const entry = live[truncated];
    if (!entry) continue;
    delete live[truncated];
    live[name] = { ...entry, name };
  }
}

/** An identifier as PostgreSQL stores it: at most 63 bytes, never cutting a character. */
export function truncateIdentifier(name: string): string {
  if (Buffer.byteLength(name) <= MAX_IDENTIFIER_BYTES) return name;
  let out = '';
  for (const char of name) {
    if (Buffer.byteLength(out + char) > MAX_IDENTIFIER_BYTES) break;
    out += char;
  }
  return out;
}

const TYPE_ALIASES: Record<string, string> = {
  int: 'integer',
  int4: 'integer',
  int8: 'bigint',
  int2: 'smallint',
  float8: 'double precision',
  float4: 'real',
  bool: 'boolean',
  varchar: 'character varying',
  char: 'character',
  bpchar: 'character',
  decimal: 'numeric',
  timestamptz: 'timestamp with time zone',
  timetz: 'time with time zone',
  varbit: 'bit varying',
};

/** A column type with spacing, case and PostgreSQL's aliases normalised (`timestamp (3)` = `timestamp(3)`). */
export function canonicalType(type: string): string {
  let t = type.trim().toLowerCase().replace(/\s+/g, ' ');
  t = t
    .replace(/\s*\(\s*/g, '(')
    .replace(/\s*,\s*/g, ',')
    .replace(/\s*\)/g, ')');
  t = t.replace(/^"?public"?\./, '').replace(/"/g, '');
  const match = /^([a-z0-9_ ]+?)(\(.*\))?((?:\[\d*\])*)( with(?:out)? time zone)?((?:\[\d*\])*)$/.exec(t);
  if (!match) return t;
  const base = TYPE_ALIASES[match[1]!] ?? match[1]!;
  const arrays = `${match[3] ?? ''}${match[5] ?? ''}`.replace(/\[\d+\]/g, '[]');
  const zone = match[4] === ' without time zone' ? '' : (match[4] ?? '');
  let modifiers = match[2] ?? '';
  if (base === 'numeric' && /^\(\d+\)$/.test(modifiers)) modifiers = `${modifiers.slice(0, -1)},0)`; // numeric(5) is numeric(5,0)
  if ((base === 'character' || base === 'bit') && modifiers === '') modifiers = '(1)'; // char is char(1)
  return `${base}${modifiers}${zone}${arrays}`;
}

/** True when two defaults (a snapshot's, or PostgreSQL's `pg_get_expr` text) mean the same value. */
export function sameDefault(a: unknown, b: unknown): boolean {
  if (a === undefined || a === null || b === undefined || b === null) return (a ?? undefined) === (b ?? undefined);
  return canonicalDefault(a) === canonicalDefault(b);
}

/**
 * A default reduced to what it means: casts and wrapping parentheses dropped, literals unquoted,
 * numbers as numbers, JSON re-serialised, array literals without element quotes, expressions in
 * lower case without spaces (outside quotes).
 */
export function canonicalDefault(value: unknown): string {
  if (typeof value === 'number') return `n:${value}`;
  if (typeof value === 'boolean') return `b:${value}`;
  let s = String(value).trim();
  for (let i = 0; i < 10; i++) {
    const before = s;
    s = stripOuterParens(s);
    s = stripTrailingCast(s);
    if (s === before) break;
  }
  if (/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(s)) return `n:${Number(s)}`;
  if (/^(true|false)$/i.test(s)) return `b:${s.toLowerCase()}`;
  if (/^null$/i.test(s)) return 'null';
  const literal = quotedLiteral(s);
  if (literal !== undefined) {
    const inner = literal;
    if (/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(inner.trim())) return `n:${Number(inner)}`;
    const json = parseJson(inner);
    if (json !== undefined && typeof json === 'object' && json !== null && !(inner.startsWith('{') && isArrayLiteralNotJson(inner))) {
      return `j:${stableJson(json)}`;
    }
    if (inner.startsWith('{') && inner.endsWith('}')) return `a:${arrayLiteral(inner).join('\u0000')}`;
    return `s:${inner}`;
  }
  return `e:${normaliseExpression(s)}`;
}

/** `'it''s'` → `it's`; `E'..'` and anything that is not one whole literal → undefined. */
function quotedLiteral(s: string): string | undefined {
  if (s.length < 2 || !s.startsWith("'") || !s.endsWith("'")) return undefined;
  const inner = s.slice(1, -1);
  // one literal only: every quote inside is doubled
  if (/'/.test(inner.replace(/''/g, ''))) return undefined;
  return inner.replace(/''/g, "'");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `{}` parses as JSON and as an array literal; `{"a","b"}` only looks like JSON. */
function isArrayLiteralNotJson(inner: string): boolean {
  return inner === '{}' ? false : parseJson(inner) === undefined;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The elements of a PostgreSQL array literal `{a,"b c",NULL}`, unquoted (one level). */
function arrayLiteral(text: string): string[] {
  const inner = text.slice(1, -1).trim();
  if (inner === '' || inner === '""') return [];
  const items: string[] = [];
  let current = '';
  let quoted = false;
  let wasQuoted = false;
  let depth = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (quoted) {
      if (c === '\\' && i + 1 < inner.length) current += inner[++i];
      else if (c === '"') quoted = false;
      else current += c;
      continue;
    }
    if (c === '"') {
      quoted = true;
      wasQuoted = true;
    } else if (c === '{') {
      depth++;
      current += c;
    } else if (c === '}') {
      depth--;
      current += c;
    } else if (c === ',' && depth === 0) {
      items.push(wasQuoted ? current : normaliseElement(current));
      current = '';
      wasQuoted = false;
    } else current += c;
  }
  items.push(wasQuoted ? current : normaliseElement(current));
  return items;
}

function normaliseElement(raw: string): string {
  const t = raw.trim();
  if (/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(t)) return String(Number(t));
  if (/^(t|true)$/i.test(t)) return 'true';
  if (/^(f|false)$/i.test(t)) return 'false';
  return t;
}

/** Drops parentheses that wrap the whole expression. */
function stripOuterParens(s: string): string {
  let t = s.trim();
  while (t.startsWith('(') && t.endsWith(')') && closingParen(t, 0) === t.length - 1) t = t.slice(1, -1).trim();
  return t;
}

/** Index of the parenthesis closing the one at `open`, skipping quoted text; -1 when none. */
function closingParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === "'" || c === '"') {
      const end = s.indexOf(c, i + 1);
      if (end < 0) return -1;
      i = end;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/** Drops a `::type` cast at the very end, at the top level, when what follows `::` is only a type. */
function stripTrailingCast(s: string): string {
  let depth = 0;
  let last = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'" || c === '"') {
      let end = i + 1;
      while (end < s.length && !(s[end] === c && s[end + 1] !== c)) end += s[end] === c ? 2 : 1;
      i = end;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ':' && s[i + 1] === ':' && depth === 0) {
      last = i;
      i++;
    }
  }
  if (last < 0) return s;
  const type = s.slice(last + 2);
  if (
    !/^\s*("[^"]+"|[a-z_][\w ]*)(\.("[^"]+"|[a-z_][\w ]*))?\s*(\(\s*\d+\s*(,\s*\d+\s*)?\))?(\s*with(out)? time zone)?\s*(\[\d*\]\s*)*$/i.test(
      type,
    )
  )
    return s;
  return s.slice(0, last).trim();
}

const LITERAL_CAST =
  /^::\s*(?:"[^"]+"|[a-z_][a-z0-9_]*(?: (?:varying|precision|with(?:out)? time zone))*)(?:\s*\(\s*\d+\s*(?:,\s*\d+\s*)?\))?(?:\[\])*/i;

/** Lower case and no whitespace or identifier quotes outside string literals; casts of literals dropped. */
function normaliseExpression(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "'") {
      let end = i + 1;
      while (end < s.length && !(s[end] === "'" && s[end + 1] !== "'")) end += s[end] === "'" ? 2 : 1;
      out += s.slice(i, end + 1);
      i = end;
      // PostgreSQL prints the type it resolved a literal to ('x'::text); the literal means the same without it
      const cast = LITERAL_CAST.exec(s.slice(i + 1));
      if (cast) i += cast[0].length;
    } else if (c === '"') {
      const end = s.indexOf('"', i + 1);
      const ident = s.slice(i + 1, end < 0 ? s.length : end);
      out += /^[a-z_][a-z0-9_]*$/.test(ident) ? ident : `"${ident}"`;
      i = end < 0 ? s.length : end;
    } else if (!/\s/.test(c)) out += c.toLowerCase();
  }
  return out;
}
