/**
 * ban-truncate-cascade: TRUNCATE ... CASCADE also empties every table that references the named
 * ones, recursively.
 */
import { rangeVarName, rangeVarOf } from '../../sql/ast.js';
import type { Rule } from '../types.js';
import { shortTable } from '../rule-support.js';

/** Flags TRUNCATE CASCADE. */
const rule: Rule = {
  id: 'ban-truncate-cascade',
  defaultSeverity: 'error',
  docs: {
    problem:
      'TRUNCATE ... CASCADE also empties every table with a foreign key to the truncated ones, recursively: tables the migration never names lose all their rows.',
    fix: 'TRUNCATE (or DELETE from) the tables you mean explicitly, without CASCADE, so a forgotten reference fails instead of deleting data.',
  },
  kinds: ['TruncateStmt'],
  check(stmt) {
    if (stmt.kind !== 'TruncateStmt' || stmt.node?.behavior !== 'DROP_CASCADE') return;
    const tables = (stmt.node.relations ?? []).map((r) => shortTable(rangeVarName(r).qualified)).join(', ');
    return {
      message: `TRUNCATE ${tables} CASCADE also empties every table that references ${tables}, recursively, including tables this migration never names.`,
      fix: `List every table to empty explicitly: TRUNCATE ${tables}, <referencing tables>; (without CASCADE, a forgotten reference fails instead of deleting rows).`,
      at: rangeVarOf(stmt.node.relations?.[0])?.location ?? -1,
    };
  },
};

export default rule;
