/**
 * adding-not-nullable-field: SET NOT NULL on an existing table scans it under ACCESS EXCLUSIVE.
 * When a CHECK (col IS NOT NULL) is already known for the column, set-not-null-without-check
 * judges instead (whether that CHECK was validated in time), so one hazard gives one finding.
 */
import { nodeOf, qualify } from '../../sql/ast.js';
import type { Rule } from '../types.js';
import { addedConstraint, alterExistingTable, findingsPerCommand, notNullRecipe, shortTable } from '../rule-support.js';

/** Flags SET NOT NULL on an existing table that has no CHECK (col IS NOT NULL) at all. */
const rule: Rule = {
  id: 'adding-not-nullable-field',
  defaultSeverity: 'error',
  sizeSensitive: true,
  docs: {
    problem:
      '`ALTER COLUMN ... SET NOT NULL` (or `ADD PRIMARY KEY USING INDEX` over a nullable column, which implies it) on an existing table scans every row to prove there is no NULL, holding an ACCESS EXCLUSIVE lock that blocks reads and writes for the whole scan.',
    fix: 'Add `CHECK (col IS NOT NULL) NOT VALID`; validate it in a later migration (no blocking); then SET NOT NULL in a later migration (PostgreSQL 12+ skips the scan thanks to the validated CHECK) and drop the CHECK.',
  },
  kinds: ['AlterTableStmt'],
  check(stmt, ctx) {
    return findingsPerCommand(alterExistingTable(stmt, ctx), (cmd, alter) => {
      const constraint = addedConstraint(cmd);
      let column: string | undefined;
      if (cmd.subtype === 'AT_SetNotNull') column = String(cmd.name);
      else if (constraint?.contype === 'CONSTR_NOTNULL' && !constraint.skip_validation) {
        column = String(nodeOf(constraint.keys?.[0], 'String')?.sval ?? '?');
      }
      if (constraint?.contype === 'CONSTR_PRIMARY' && constraint.indexname) {
        // PRIMARY KEY USING INDEX sets its columns NOT NULL: a scan unless they already are
        const index = qualify(alter.table.schema, String(constraint.indexname)).qualified;
        const notNull = ctx.knowledge.indexColumnsNotNull(index);
        if (notNull === true) return;
        const columns = ctx.knowledge.index(index)?.columns;
        const t = shortTable(alter.table.qualified);
        return {
          message: `ADD PRIMARY KEY USING INDEX ${constraint.indexname} on ${t} makes ${columns ? columns.join(', ') : "the index's columns"} NOT NULL: ${notNull === false ? 'at least one is nullable' : 'they are not known to be NOT NULL'}, so PostgreSQL scans the whole table under an ACCESS EXCLUSIVE lock (reads and writes blocked).`,
          fix: columns
            ? columns.map((c) => notNullRecipe(alter.table.qualified, c)).join(' ') + ' Then add the primary key USING INDEX.'
            : 'Make every column of the index NOT NULL first (a validated CHECK (col IS NOT NULL), then SET NOT NULL), then add the primary key USING INDEX.',
          at: constraint.location ?? alter.location,
          table: alter.table.qualified,
        };
      }
      if (!column) return;
      if (ctx.knowledge.notNullCheck(alter.table.qualified, column)) return; // set-not-null-without-check
      return {
        message: `SET NOT NULL on ${shortTable(alter.table.qualified)}.${column} scans the whole table under an ACCESS EXCLUSIVE lock: reads and writes are blocked until every row is checked.`,
        fix: notNullRecipe(alter.table.qualified, column),
        at: alter.location,
        table: alter.table.qualified,
      };
    });
  },
};

export default rule;
