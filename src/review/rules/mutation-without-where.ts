/**
 * mutation-without-where (dbctl): UPDATE or DELETE without WHERE on a table that existed before
 * the migration: every row is rewritten or deleted in one transaction.
 */
import { nodeOf, rangeVarName } from '../../sql/ast.js';
import type { Rule } from '../types.js';
import { isExisting, shortTable } from '../rule-support.js';

/** Flags whole-table UPDATE/DELETE on existing tables. */
const rule: Rule = {
  id: 'mutation-without-where',
  defaultSeverity: 'error',
  docs: {
    problem:
      'An UPDATE or DELETE without WHERE in a migration touches every row of an existing table in one transaction: it overwrites or deletes data everywhere, holds row locks on the whole table (blocking concurrent writes) and bloats it.',
    fix: 'Backfill in batches outside the schema migration (`UPDATE ... WHERE id BETWEEN x AND y`, committing between batches), or add the WHERE clause you meant.',
  },
  kinds: ['UpdateStmt', 'DeleteStmt'],
  check(stmt, ctx) {
    if ((stmt.kind !== 'UpdateStmt' && stmt.kind !== 'DeleteStmt') || !stmt.node || stmt.node.whereClause) return;
    const table = rangeVarName(stmt.node.relation);
    if (!isExisting(table.qualified, stmt, ctx)) return;
    const t = shortTable(table.qualified);
    if (stmt.kind === 'DeleteStmt') {
      return {
        message: `DELETE FROM ${t} without WHERE deletes every row, holding row locks on all of them until the migration commits.`,
        fix: `Add the WHERE clause you meant, or delete in batches outside the migration (DELETE FROM ${t} WHERE id IN (SELECT id FROM ${t} ... LIMIT 10000)). If the table really must be emptied, say so with \`-- dbctl-ignore mutation-without-where: reason\` (dbctl backs the rows up first).`,
        at: stmt.node.relation?.location ?? -1,
        table: table.qualified,
      };
    }
    const columns = (stmt.node.targetList ?? [])
      .map((t) => nodeOf(t, 'ResTarget')?.name)
      .filter(Boolean)
      .join(', ');
    return {
      message: `UPDATE ${t} without WHERE rewrites every row (${columns}) in one transaction: it holds row locks on the whole table, blocking concurrent writes, and bloats it.`,
      fix: `Backfill in batches outside the schema migration: UPDATE ${t} SET ... WHERE id BETWEEN <x> AND <y>, committing between batches; or add the WHERE clause you meant.`,
      at: stmt.node.relation?.location ?? -1,
      table: table.qualified,
    };
  },
};

export default rule;
