/**
 * reused-constraint-index (dbctl): `ADD CONSTRAINT ... USING INDEX i` when i already became a
 * constraint's index (an earlier USING INDEX renamed it to that constraint): the migration can
 * never apply.
 */
import { qualify } from '../../sql/ast.js';
import type { Rule } from '../types.js';
import { addedConstraint, alterTable, findingsPerCommand, locationOr, shortTable } from '../rule-support.js';

/** Flags USING INDEX of an index a constraint already owns. */
const rule: Rule = {
  id: 'reused-constraint-index',
  defaultSeverity: 'error',
  docs: {
    problem:
      '`ADD CONSTRAINT ... USING INDEX i` hands the index to the constraint (and renames it to the constraint\'s name). A second USING INDEX of the same index fails ("index does not exist" or "is already associated with a constraint"): the migration can never apply.',
    fix: 'Build one index per constraint (`CREATE UNIQUE INDEX CONCURRENTLY`), or drop the duplicate ADD CONSTRAINT.',
  },
  kinds: ['AlterTableStmt'],
  check(stmt, ctx) {
    return findingsPerCommand(alterTable(stmt), (cmd, alter) => {
      const c = addedConstraint(cmd);
      if (!c?.indexname) return;
      const index = ctx.knowledge.index(qualify(alter.table.schema, String(c.indexname)).qualified);
      if (!index?.usedBy) return;
      return {
        message: `Index ${c.indexname} already belongs to constraint ${index.usedBy.constraint} (an earlier ADD CONSTRAINT ... USING INDEX took it${index.usedBy.constraint !== c.indexname ? ` and renamed it ${index.usedBy.constraint}` : ''}): this ADD CONSTRAINT on ${shortTable(alter.table.qualified)} fails, so the migration cannot apply.`,
        at: locationOr(c.location, alter.location),
      };
    });
  },
};

export default rule;
