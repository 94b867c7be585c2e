/**
 * adding-field-with-default: ADD COLUMN whose value must be computed for every existing row
 * (volatile DEFAULT, serial, identity, stored generated column) rewrites the table under an
 * ACCESS EXCLUSIVE lock. A constant or stable default is free on PostgreSQL 11+.
 */
import { columnDefault, typeInfo } from '../../sql/ast.js';
import { defaultVolatility, SERIAL_TYPES } from '../../core/classify/volatility.js';
import type { Rule, RuleFinding } from '../types.js';
import { columnsAddedToExistingTable, locationOr } from '../rule-support.js';

/** Flags ADD COLUMN with a per-row computed value on an existing table. */
const rule: Rule = {
  id: 'adding-field-with-default',
  defaultSeverity: 'error',
  sizeSensitive: true,
  docs: {
    problem:
      'Adding a column whose value is computed per row (a volatile DEFAULT such as random(), gen_random_uuid() or clock_timestamp(), a serial, an identity or a stored generated column) rewrites the whole table under an ACCESS EXCLUSIVE lock, blocking reads and writes. Constant and stable defaults (now(), literals) are stored once and cost nothing on PostgreSQL 11+.',
    fix: 'Add the column without a default (or with a constant one); then `ALTER COLUMN ... SET DEFAULT <expr>` so new rows get the value; then backfill existing rows in batches outside the migration; add NOT NULL later via a validated CHECK.',
  },
  kinds: ['AlterTableStmt'],
  check(stmt, ctx) {
    const out: RuleFinding[] = [];
    for (const { table: qualified, shortTable: table, column, def, constraints } of columnsAddedToExistingTable(stmt, ctx)) {
      if (constraints.some((c) => c.contype === 'CONSTR_PRIMARY')) continue; // adding-serial-primary-key-field
      const type = typeInfo(def.typeName);
      const volatility = defaultVolatility(columnDefault(def));
      const identity = constraints.find((c) => c.contype === 'CONSTR_IDENTITY');
      const generated = constraints.find((c) => c.contype === 'CONSTR_GENERATED' && c.generated_kind !== 'v');
      let why: string | undefined;
      let at = def.location;
      if (volatility.volatile.length > 0) {
        why = `its DEFAULT calls ${volatility.volatile[0]}(), which is volatile, so PostgreSQL computes it for every existing row`;
        at = volatility.location;
      } else if (volatility.unknown.length > 0) {
        why = `its DEFAULT calls ${volatility.unknown[0]}(), which dbctl cannot prove non-volatile (functions are VOLATILE unless declared STABLE or IMMUTABLE), so PostgreSQL may compute it for every existing row`;
        at = volatility.location;
      } else if (SERIAL_TYPES.has(type.name)) {
        why = `${type.name} fills every existing row from a sequence (nextval() is volatile)`;
        at = locationOr(type.location, def.location);
      } else if (identity) {
        why = 'an identity column fills every existing row from its sequence';
        at = locationOr(identity.location, def.location);
      } else if (generated) {
        why = 'a stored generated column is computed for every existing row';
        at = locationOr(generated.location, def.location);
      }
      if (!why) continue;
      out.push({
        message: `Adding ${table}.${column} rewrites ${table} under an ACCESS EXCLUSIVE lock (reads and writes blocked until done): ${why}.`,
        fix: `1) ALTER TABLE ${table} ADD COLUMN ${column} ${type.display} (no default); 2) ALTER TABLE ${table} ALTER COLUMN ${column} SET DEFAULT <expr> so new rows get it; 3) backfill existing rows in batches outside the migration (UPDATE ${table} SET ${column} = <expr> WHERE id BETWEEN ...); 4) add NOT NULL later through a validated CHECK.`,
        at,
        table: qualified,
      });
    }
    return out;
  },
};

export default rule;
