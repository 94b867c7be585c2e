/**
 * renaming-column: RENAME COLUMN breaks the application version still running during the deploy.
 */
import { rangeVarName } from '../../sql/ast.js';
import type { Rule } from '../types.js';
import { isExisting, shortTable } from '../rule-support.js';

/** Flags renaming a column of an existing table. */
const rule: Rule = {
  id: 'renaming-column',
  defaultSeverity: 'warning',
  docs: {
    problem:
      'Renaming a column is instant, but the application version still running during the deploy keeps using the old name and fails until every instance runs the new code.',
    fix: "Keep the database name and rename only in code (drizzle: `newName: text('old_name')`), or expand and contract: add the new column, write both, backfill, switch reads, drop the old one later.",
  },
  kinds: ['RenameStmt'],
  check(stmt, ctx) {
    if (stmt.kind !== 'RenameStmt' || stmt.node?.renameType !== 'OBJECT_COLUMN' || !stmt.node.relation) return;
    const table = rangeVarName(stmt.node.relation);
    if (!isExisting(table.qualified, stmt, ctx)) return;
    const t = shortTable(table.qualified);
    return {
      message: `Renaming ${t}.${stmt.node.subname} to ${stmt.node.newname} breaks the application version still running: its queries name ${stmt.node.subname}.`,
      fix: `Keep the column name in the database and rename only the drizzle property (\`${stmt.node.newname}: <type>('${stmt.node.subname}')\`), or add ${stmt.node.newname}, write both, backfill, switch reads, and drop ${stmt.node.subname} in a later release.`,
      at: stmt.node.relation.location ?? -1,
    };
  },
};

export default rule;
