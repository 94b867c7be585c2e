/**
 * renaming-schema (strong_migrations): ALTER SCHEMA ... RENAME TO breaks every query of the
 * running application that names the schema.
 */
import type { Rule } from '../types.js';

/** Flags schema renames. */
const rule: Rule = {
  id: 'renaming-schema',
  defaultSeverity: 'warning',
  docs: {
    problem:
      '`ALTER SCHEMA ... RENAME TO` breaks every query of the running application that names the schema (drizzle qualifies tables outside `public` with it) until every instance runs the new code.',
    fix: 'Create the new schema, move the objects (`ALTER TABLE ... SET SCHEMA`) while a view or the search_path keeps the old names working, deploy, then drop the old schema; or rename in a maintenance window.',
  },
  kinds: ['RenameStmt'],
  check(stmt) {
    if (stmt.kind !== 'RenameStmt' || stmt.node?.renameType !== 'OBJECT_SCHEMA') return;
    return {
      message: `Renaming schema ${stmt.node.subname} to ${stmt.node.newname} breaks every query of the running application that names ${stmt.node.subname}.`,
    };
  },
};

export default rule;
