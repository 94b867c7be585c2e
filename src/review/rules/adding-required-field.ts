/**
 * adding-required-field: ADD COLUMN ... NOT NULL without a DEFAULT fails on any table that has rows.
 */
import { columnDefault, typeInfo } from '../../sql/ast.js';
import { SERIAL_TYPES } from '../../core/classify/volatility.js';
import type { Rule, RuleFinding } from '../types.js';
import { columnsAddedToExistingTable, locationOr } from '../rule-support.js';

/** Flags a NOT NULL column without a default added to an existing table. */
const rule: Rule = {
  id: 'adding-required-field',
  defaultSeverity: 'error',
  docs: {
    problem:
      'Adding a NOT NULL column without a DEFAULT to an existing table fails as soon as the table has one row ("column ... contains null values"): the migration breaks in production even though it passed on an empty development database.',
    fix: 'Give the column a constant DEFAULT (PostgreSQL 11+ stores it without rewriting the table), or add it nullable, backfill it in batches, and enforce NOT NULL through a validated CHECK before SET NOT NULL.',
  },
  kinds: ['AlterTableStmt'],
  check(stmt, ctx) {
    const out: RuleFinding[] = [];
    for (const { shortTable: table, column, def, constraints } of columnsAddedToExistingTable(stmt, ctx)) {
      const notNull = constraints.find((c) => c.contype === 'CONSTR_NOTNULL');
      if (!notNull || columnDefault(def)) continue;
      const type = typeInfo(def.typeName);
      if (SERIAL_TYPES.has(type.name)) continue;
      if (constraints.some((c) => c.contype === 'CONSTR_IDENTITY' || c.contype === 'CONSTR_GENERATED')) continue;
      out.push({
        message: `Adding ${table}.${column} as NOT NULL without a DEFAULT fails on a table that has rows: existing rows would get NULL.`,
        fix: `Either ALTER TABLE ${table} ADD COLUMN ${column} ${type.display} NOT NULL DEFAULT <constant>; (no rewrite on PostgreSQL 11+; drizzle: .notNull().default(...)), or add it nullable, backfill in batches, then make it NOT NULL through a validated CHECK (col IS NOT NULL) in later migrations.`,
        at: locationOr(notNull.location, def.location),
      });
    }
    return out;
  },
};

export default rule;
