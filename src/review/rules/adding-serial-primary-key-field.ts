/**
 * adding-serial-primary-key-field: ADD COLUMN ... PRIMARY KEY, or ADD [CONSTRAINT ...] PRIMARY KEY
 * (without USING INDEX), on an existing table builds the primary key index (and fills the column)
 * under ACCESS EXCLUSIVE. squawk reports both under this id.
 */
import { stringList, typeInfo } from '../../sql/ast.js';
import type { Rule, RuleFinding } from '../types.js';
import {
  addedConstraint,
  alterExistingTable,
  columnsAddedToExistingTable,
  findingsPerCommand,
  locationOr,
  shortTable,
  tableName,
} from '../rule-support.js';

/** Flags a PRIMARY KEY column added to an existing table. */
const rule: Rule = {
  id: 'adding-serial-primary-key-field',
  defaultSeverity: 'error',
  sizeSensitive: true,
  docs: {
    problem:
      'Adding a primary key (`ADD PRIMARY KEY`, or a serial/identity column with PRIMARY KEY) to an existing table builds its index (and, for a new column, rewrites the table to fill it) while holding an ACCESS EXCLUSIVE lock: reads and writes are blocked throughout.',
    fix: 'Add the column without the constraint and backfill it in batches (for a new column), `CREATE UNIQUE INDEX CONCURRENTLY`, make the columns NOT NULL through a validated CHECK, then `ADD CONSTRAINT ... PRIMARY KEY USING INDEX ...` (a brief lock).',
  },
  kinds: ['AlterTableStmt'],
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
    const primaryKeys = findingsPerCommand(alterExistingTable(stmt, ctx), (cmd, alter) => {
      const c = addedConstraint(cmd);
      if (c?.contype !== 'CONSTR_PRIMARY' || c.indexname) return;
      const t = shortTable(alter.table.qualified);
      const columns = stringList(c.keys).join(', ');
      const name = c.conname ? String(c.conname) : `${tableName(alter.table.qualified)}_pkey`;
      const index = `${name}_idx`;
      return {
        message: `Adding primary key ${name} (${columns}) to ${t} builds its index under an ACCESS EXCLUSIVE lock (and checks the columns are NOT NULL): reads and writes are blocked for the whole build.`,
        fix: `1) CREATE UNIQUE INDEX CONCURRENTLY ${index} ON ${t} (${columns}); 2) make the columns NOT NULL through a validated CHECK; 3) ALTER TABLE ${t} ADD CONSTRAINT ${name} PRIMARY KEY USING INDEX ${index};`,
        at: locationOr(c.location, alter.location),
        table: alter.table.qualified,
      };
    });
    return primaryKeys ? [...out, ...primaryKeys] : out;
  },
};

export default rule;
