/**
 * adding-serial-primary-key-field: ADD COLUMN ... PRIMARY KEY on an existing table fills the
 * column and builds the primary key index under ACCESS EXCLUSIVE.
 */
import { typeInfo } from '../../sql/ast.js';
import type { Rule, RuleFinding } from '../types.js';
import { columnsAddedToExistingTable, locationOr, tableName } from '../rule-support.js';

/** Flags a PRIMARY KEY column added to an existing table. */
const rule: Rule = {
  id: 'adding-serial-primary-key-field',
  defaultSeverity: 'error',
  sizeSensitive: true,
  docs: {
    problem:
      'Adding a primary key column (typically serial or identity) to an existing table rewrites the table to fill it and builds the primary key index while holding an ACCESS EXCLUSIVE lock: reads and writes are blocked throughout.',
    fix:
      'Add the column without the constraint, backfill it in batches, `CREATE UNIQUE INDEX CONCURRENTLY`, make it NOT NULL through a validated CHECK, then `ADD CONSTRAINT ... PRIMARY KEY USING INDEX ...` (a brief lock).',
  },
  check(stmt, ctx) {
    const out: RuleFinding[] = [];
    for (const { table: qualified, shortTable: table, column, def, constraints } of columnsAddedToExistingTable(stmt, ctx)) {
      const pk = constraints.find((c) => c.contype === 'CONSTR_PRIMARY');
      if (!pk) continue;
      const index = `${tableName(qualified)}_${column}_idx`;
      out.push({
        message: `Adding primary key column ${table}.${column} (${typeInfo(def.typeName).display}) fills every existing row and builds the primary key index under an ACCESS EXCLUSIVE lock: reads and writes are blocked until both finish.`,
        fix: `1) ALTER TABLE ${table} ADD COLUMN ${column} <type> (no PRIMARY KEY), set its default, backfill in batches; 2) CREATE UNIQUE INDEX CONCURRENTLY ${index} ON ${table} (${column}); 3) make ${column} NOT NULL via a validated CHECK; 4) ALTER TABLE ${table} ADD CONSTRAINT ${tableName(qualified)}_pkey PRIMARY KEY USING INDEX ${index};`,
        at: locationOr(pk.location, def.location),
      });
    }
    return out;
  },
};

export default rule;
