/**
 * ban-truncate (dbctl): TRUNCATE of a table that existed before the migration deletes all its rows.
 * TRUNCATE ... CASCADE is reported by ban-truncate-cascade instead.
 */
import { rangeVarOf } from '../../sql/ast.js';
import type { Rule } from '../types.js';
import { shortTable } from '../rule-support.js';

/** Flags TRUNCATE of existing tables. */
const rule: Rule = {
  id: 'ban-truncate',
  defaultSeverity: 'error',
  docs: {
    problem:
      'TRUNCATE in a migration deletes every row of an existing table (under an ACCESS EXCLUSIVE lock), in every environment the migration reaches.',
    fix: 'Delete data deliberately outside schema migrations; if the table really must be emptied here, say so with `-- dbctl-ignore ban-truncate: reason` (dbctl migrate backs the rows up first).',
  },
  kinds: ['TruncateStmt'],
  check(stmt) {
    if (stmt.kind !== 'TruncateStmt' || stmt.node?.behavior === 'DROP_CASCADE') return;
    const tables = stmt.classification.destroys.filter((d) => d.kind === 'rows').map((d) => shortTable(`${d.schema}.${d.table}`));
    if (tables.length === 0) return;
    return {
      message: `TRUNCATE ${tables.join(', ')} deletes every row in every environment this migration reaches.`,
      at: rangeVarOf(stmt.node.relations?.[0])?.location ?? -1,
    };
  },
};

export default rule;
