/**
 * require-enum-value-ordering (squawk): ALTER TYPE ... ADD VALUE without BEFORE/AFTER appends the
 * value at the end of the enum's sort order.
 */
import { typeQualifiedName } from '../../sql/ast.js';
import type { Rule } from '../types.js';
import { shortTable } from '../rule-support.js';

/** Flags enum values added without a position. */
const rule: Rule = {
  id: 'require-enum-value-ordering',
  defaultSeverity: 'warning',
  docs: {
    problem:
      "`ALTER TYPE ... ADD VALUE` without BEFORE or AFTER appends the value at the end: enums sort by declaration order, so `ORDER BY` and comparisons (`status < 'done'`) may place it where nobody meant.",
    fix: "Say where it goes: `ALTER TYPE t ADD VALUE 'new' BEFORE 'existing'` (or AFTER). If the end is right, mark it `-- dbctl-ignore require-enum-value-ordering: last on purpose`.",
  },
  kinds: ['AlterEnumStmt'],
  check(stmt) {
    if (stmt.kind !== 'AlterEnumStmt' || !stmt.node || stmt.node.oldVal || stmt.node.newValNeighbor) return;
    const type = shortTable(typeQualifiedName(stmt.node.typeName).qualified);
    return {
      message: `'${stmt.node.newVal}' is appended at the end of ${type}: it sorts after every existing value.`,
      fix: `ALTER TYPE ${type} ADD VALUE '${stmt.node.newVal}' BEFORE '<existing value>' (or AFTER), if the end is not where it belongs.`,
    };
  },
};

export default rule;
