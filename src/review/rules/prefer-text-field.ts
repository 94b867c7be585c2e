/**
 * prefer-text-field: varchar(n) columns.
 */
import type { Rule } from '../types.js';
import { declaredColumnTypes, shortTable } from '../rule-support.js';

/** Flags varchar columns with a length limit. */
const rule: Rule = {
  id: 'prefer-text-field',
  defaultSeverity: 'warning',
  docs: {
    problem:
      '`varchar(n)` is no faster than `text`, and its limit is hard to change: lowering it (or changing it with some tools) rewrites the table under an ACCESS EXCLUSIVE lock.',
    fix: 'Use `text`, with `CHECK (char_length(col) <= n)` if the limit matters: a CHECK can be replaced NOT VALID and validated without blocking.',
  },
  kinds: ['CreateStmt', 'AlterTableStmt'],
  check(stmt) {
    return declaredColumnTypes(stmt)
      .filter((use) => use.type.name === 'varchar' && use.type.mods.length > 0)
      .map((use) => ({
        message: `${shortTable(use.table)}.${use.column} is ${use.type.display}: prefer text (with a CHECK on its length if the limit matters).`,
        fix: `Declare it text (drizzle: text('${use.column}')) and, if needed, CHECK (char_length(${use.column}) <= ${use.type.mods[0]}).`,
        at: use.location,
      }));
  },
};

export default rule;
