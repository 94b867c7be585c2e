/**
 * renaming-table: RENAME of a table breaks the application version still running.
 */
import { rangeVarName } from '../../sql/ast.js';
import type { Rule } from '../types.js';
import { isExisting, shortTable } from '../rule-support.js';

/** Flags renaming an existing table. */
const rule: Rule = {
  id: 'renaming-table',
  defaultSeverity: 'warning',
  docs: {
    problem:
      'Renaming a table is instant, but the application version still running during the deploy keeps using the old name and fails until every instance runs the new code.',
    fix: "Keep the database name and rename only in code (drizzle: `export const newName = pgTable('old_name', ...)`), or rename and leave a view under the old name until the old code is gone.",
  },
  kinds: ['RenameStmt'],
  check(stmt, ctx) {
    if (stmt.kind !== 'RenameStmt' || stmt.node?.renameType !== 'OBJECT_TABLE' || !stmt.node.relation) return;
    const table = rangeVarName(stmt.node.relation);
    if (!isExisting(table.qualified, stmt, ctx)) return;
    const t = shortTable(table.qualified);
    return {
      message: `Renaming table ${t} to ${stmt.node.newname} breaks the application version still running: its queries name ${t}.`,
      fix: `Keep the table name in the database and rename only the drizzle export (\`pgTable('${table.name}', ...)\`), or rename it and CREATE VIEW ${t} AS SELECT * FROM ${stmt.node.newname} until the old code is gone.`,
      at: stmt.node.relation.location ?? -1,
    };
  },
};

export default rule;
