/**
 * renaming-enum-value (strong_migrations): ALTER TYPE ... RENAME VALUE breaks the running
 * application, which still reads and writes the old value.
 */
import { typeQualifiedName } from '../../sql/ast.js';
import type { Rule } from '../types.js';
import { shortTable } from '../rule-support.js';

/** Flags enum value renames. */
const rule: Rule = {
  id: 'renaming-enum-value',
  defaultSeverity: 'warning',
  docs: {
    problem:
      '`ALTER TYPE ... RENAME VALUE` changes the value under the running application: inserts and filters written with the old value fail ("invalid input value for enum") until every instance runs the new code.',
    fix: 'Add the new value (its own migration), deploy code that writes the new value and reads both, move the rows over in batches, then stop using the old value (enum values cannot be dropped: keep it, or migrate to a new type).',
  },
  kinds: ['AlterEnumStmt'],
  check(stmt) {
    if (stmt.kind !== 'AlterEnumStmt' || !stmt.node?.oldVal) return;
    const type = shortTable(typeQualifiedName(stmt.node.typeName).qualified);
    return {
      message: `Renaming ${type} value '${stmt.node.oldVal}' to '${stmt.node.newVal}' breaks the running application, which still writes and filters on '${stmt.node.oldVal}'.`,
    };
  },
};

export default rule;
