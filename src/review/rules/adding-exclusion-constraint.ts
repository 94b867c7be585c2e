/**
 * adding-exclusion-constraint (eugene E8): ADD CONSTRAINT ... EXCLUDE on an existing table builds
 * its index and checks every row under ACCESS EXCLUSIVE; unlike UNIQUE it has no USING INDEX or
 * NOT VALID form.
 */
import type { Rule } from '../types.js';
import { addedConstraint, alterExistingTable, findingsPerCommand, locationOr, shortTable } from '../rule-support.js';

/** Flags exclusion constraints added to existing tables. */
const rule: Rule = {
  id: 'adding-exclusion-constraint',
  defaultSeverity: 'error',
  sizeSensitive: true,
  docs: {
    problem:
      'Adding an EXCLUDE constraint to an existing table builds its index and checks every row while holding an ACCESS EXCLUSIVE lock: reads and writes are blocked for the whole build. PostgreSQL has no CONCURRENTLY, NOT VALID or USING INDEX form for exclusion constraints.',
    fix: 'Declare the exclusion constraint when the table is created; on a table with rows, add it in a maintenance window, or build a new table with the constraint, copy the rows in batches and swap names.',
  },
  kinds: ['AlterTableStmt'],
  check(stmt, ctx) {
    return findingsPerCommand(alterExistingTable(stmt, ctx), (cmd, alter) => {
      const c = addedConstraint(cmd);
      if (c?.contype !== 'CONSTR_EXCLUSION') return;
      return {
        message:
          `EXCLUDE constraint ${c.conname ?? ''} on ${shortTable(alter.table.qualified)} builds its index and checks every row under an ACCESS EXCLUSIVE lock: reads and writes are blocked until it finishes.`.replace(
            '  ',
            ' ',
          ),
        at: locationOr(c.location, alter.location),
        table: alter.table.qualified,
      };
    });
  },
};

export default rule;
