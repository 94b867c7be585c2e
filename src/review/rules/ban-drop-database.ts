/**
 * ban-drop-database: DROP DATABASE in a migration.
 */
import type { Rule } from '../types.js';

/** Flags DROP DATABASE. */
const rule: Rule = {
  id: 'ban-drop-database',
  defaultSeverity: 'error',
  docs: {
    problem: 'DROP DATABASE in a migration deletes a whole database; it also cannot run inside a transaction.',
    fix: 'Drop databases by hand, deliberately, never from application migrations.',
  },
  kinds: ['DropdbStmt'],
  check(stmt) {
    if (stmt.kind !== 'DropdbStmt' || !stmt.node) return;
    return {
      message: `DROP DATABASE ${stmt.node.dbname} deletes a whole database from a migration.`,
      fix: 'Remove it from the migration; drop databases by hand after a backup.',
    };
  },
};

export default rule;
