/**
 * What changing a column's type costs: whether PostgreSQL rewrites the table, and whether the
 * change can lose data. Pure; used by the classification table and the changing-column-type rule.
 */
import { nodeOf, type Pg, type TypeInfo } from '../../sql/ast.js';

/** The effect of `ALTER COLUMN ... TYPE new` on a column whose old type may be unknown. */
export interface TypeChangeEffect {
  /** The old type was known, so the answer is exact rather than conservative. */
  known: boolean;
  /** PostgreSQL rewrites the table (and rebuilds its indexes). */
  rewrites: boolean;
  /** Every old value converts to the new type without loss. */
  lossless: boolean;
  /** Why, in a few words, e.g. "varchar(20) → text needs no rewrite". */
  reason: string;
}

const VARCHAR = new Set(['varchar']);
const TEXTUAL_UNBOUNDED = (t: TypeInfo) => !t.array && (t.name === 'text' || (t.name === 'varchar' && t.mods.length === 0));
const INT_RANK: Record<string, number> = { int2: 1, int4: 2, int8: 3 };
const FLOAT_RANK: Record<string, number> = { float4: 1, float8: 2 };

/** Types whose `(p)` is a fractional-second precision PostgreSQL widens without a rewrite. */
const PRECISION_TYPES = new Set(['timestamp', 'timestamptz', 'time', 'interval']);
/** interval's "no field restriction" typmod (INTERVAL_FULL_RANGE). */
const INTERVAL_FULL_RANGE = 32767;

/**
 * True when `to` keeps every value of `from` exactly and PostgreSQL's support function for the
 * type skips the rewrite: the precision rises or becomes unspecified (6, the maximum); for
 * interval the field range also stays the same or becomes unrestricted.
 */
function precisionWidens(from: TypeInfo, to: TypeInfo): boolean {
  const isInterval = base(from) === 'interval';
  const fieldsOf = (t: TypeInfo) => (isInterval ? (t.mods[0] ?? INTERVAL_FULL_RANGE) : undefined);
  const precisionOf = (t: TypeInfo) => (isInterval ? t.mods[1] : t.mods[0]);
  if (isInterval && fieldsOf(to) !== INTERVAL_FULL_RANGE && fieldsOf(to) !== fieldsOf(from)) return false;
  const p1 = precisionOf(from);
  const p2 = precisionOf(to);
  return p2 === undefined || (p1 !== undefined && p2 >= p1);
}

/** The integer type under each serial pseudo-type (a column declared `serial` is an `int4`). */
const SERIAL_BASE: Record<string, string> = {
  smallserial: 'int2',
  serial2: 'int2',
  serial: 'int4',
  serial4: 'int4',
  bigserial: 'int8',
  serial8: 'int8',
};

/** Normalises spellings drizzle and people use (`integer` arrives as `int4` from the parser already). */
function base(t: TypeInfo): string {
  return t.name === 'character varying' ? 'varchar' : (SERIAL_BASE[t.name] ?? t.name);
}

/** True when the two types are spelled the same (name, modifiers, array). */
export function sameType(a: TypeInfo, b: TypeInfo): boolean {
  return base(a) === base(b) && a.array === b.array && a.mods.join(',') === b.mods.join(',');
}

/**
 * Decides whether changing a column from `from` to `to` rewrites the table and whether it may lose
 * data. `from` undefined means the old type is not known: only a change to unbounded text is then
 * known to be lossless, and a rewrite is assumed. A `USING` clause other than a plain cast of the
 * column makes the change arbitrary (rewrite, possibly lossy).
 */
export function typeChangeEffect(from: TypeInfo | undefined, to: TypeInfo, arbitraryUsing: boolean): TypeChangeEffect {
  if (arbitraryUsing) {
    return { known: from !== undefined, rewrites: true, lossless: false, reason: 'a USING expression recomputes every value' };
  }
  if (!from) {
    if (TEXTUAL_UNBOUNDED(to)) {
      return { known: false, rewrites: true, lossless: true, reason: `any value converts to ${to.display} without loss` };
    }
    return {
      known: false,
      rewrites: true,
      lossless: false,
      reason: `the old type is not known, so the change to ${to.display} may rewrite the table and lose data`,
    };
  }
  const f = base(from);
  const t = base(to);
  const arrow = `${from.display} → ${to.display}`;
  if (sameType(from, to)) return { known: true, rewrites: false, lossless: true, reason: `${arrow} changes nothing` };
  if (from.array !== to.array) return { known: true, rewrites: true, lossless: false, reason: `${arrow} changes between array and scalar` };
  // Binary-coercible changes: catalog-only, no rewrite.
  if (
    VARCHAR.has(f) &&
    (t === 'text' || (t === 'varchar' && (to.mods.length === 0 || (from.mods.length > 0 && to.mods[0]! >= from.mods[0]!))))
  ) {
    return { known: true, rewrites: false, lossless: true, reason: `${arrow} needs no rewrite` };
  }
  if (f === 'text' && t === 'varchar' && to.mods.length === 0) {
    return { known: true, rewrites: false, lossless: true, reason: `${arrow} needs no rewrite` };
  }
  if (f === 'numeric' && t === 'numeric') {
    if (to.mods.length === 0) return { known: true, rewrites: false, lossless: true, reason: `${arrow} needs no rewrite` };
    if (from.mods.length > 0) {
      const [p1 = 0, s1 = 0] = from.mods;
      const [p2 = 0, s2 = 0] = to.mods;
      if (p2 >= p1 && s2 === s1) return { known: true, rewrites: false, lossless: true, reason: `${arrow} needs no rewrite` };
      if (p2 - s2 >= p1 - s1 && s2 >= s1)
        return { known: true, rewrites: true, lossless: true, reason: `${arrow} rewrites the table but keeps every value` };
    }
    return { known: true, rewrites: true, lossless: false, reason: `${arrow} can round or overflow values` };
  }
  if (f === t && !from.array && PRECISION_TYPES.has(f) && precisionWidens(from, to)) {
    return { known: true, rewrites: false, lossless: true, reason: `${arrow} only raises the fractional-second precision: no rewrite` };
  }
  if (f === 'cidr' && t === 'inet') return { known: true, rewrites: false, lossless: true, reason: `${arrow} needs no rewrite` };
  if (f === 'varbit' && t === 'varbit' && (to.mods.length === 0 || (from.mods.length > 0 && to.mods[0]! >= from.mods[0]!))) {
    return { known: true, rewrites: false, lossless: true, reason: `${arrow} needs no rewrite` };
  }
  // Lossless but rewriting widenings.
  if (TEXTUAL_UNBOUNDED(to))
    return { known: true, rewrites: true, lossless: true, reason: `${arrow} rewrites the table but keeps every value` };
  if (INT_RANK[f] && INT_RANK[t] && INT_RANK[t]! > INT_RANK[f]!) {
    return { known: true, rewrites: true, lossless: true, reason: `${arrow} rewrites the table but keeps every value` };
  }
  if (INT_RANK[f] && t === 'numeric' && to.mods.length === 0) {
    return { known: true, rewrites: true, lossless: true, reason: `${arrow} rewrites the table but keeps every value` };
  }
  if (FLOAT_RANK[f] && FLOAT_RANK[t] && FLOAT_RANK[t]! > FLOAT_RANK[f]!) {
    return { known: true, rewrites: true, lossless: true, reason: `${arrow} rewrites the table but keeps every value` };
  }
  if ((f === 'timestamp' && t === 'timestamptz') || (f === 'date' && (t === 'timestamp' || t === 'timestamptz'))) {
    return {
      known: true,
      rewrites: true,
      lossless: true,
      reason: `${arrow} rewrites the table (values are reinterpreted in the session time zone)`,
    };
  }
  if (VARCHAR.has(f) && t === 'varchar')
    return { known: true, rewrites: true, lossless: false, reason: `${arrow} shortens the limit: longer values make it fail` };
  return { known: true, rewrites: true, lossless: false, reason: `${arrow} converts every value` };
}

/**
 * True when a `USING` expression is only `column::type` (or `CAST(column AS type)`) for the
 * altered column, which is what drizzle-kit writes and changes nothing about the conversion.
 */
export function isPlainUsingCast(using: Pg.Node | undefined, column: string): boolean {
  if (!using) return true;
  let expr: Pg.Node | undefined = using;
  for (let cast = nodeOf(expr, 'TypeCast'); cast; cast = nodeOf(expr, 'TypeCast')) expr = cast.arg;
  const fields = nodeOf(expr, 'ColumnRef')?.fields ?? [];
  const last = nodeOf(fields[fields.length - 1], 'String')?.sval;
  return typeof last === 'string' && last === column;
}
