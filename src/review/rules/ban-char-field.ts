/**
 * ban-char-field: char(n) / character columns.
 */
import type { Rule } from '../types.js';
import { declaredColumnTypes, shortTable } from '../rule-support.js';

/** Flags blank-padded char columns. */
const rule: Rule = {
  id: 'ban-char-field',
  defaultSeverity: 'warning',
  docs: {
    problem: '`char(n)` pads values with spaces, compares with padding rules that surprise, and is no faster than text.',
    fix: 'Use `text` (with a CHECK on the length if it matters).',
  },
  kinds: ['CreateStmt', 'AlterTableStmt'],
  check(stmt) {
    return declaredColumnTypes(stmt)
      .filter((use) => use.type.name === 'bpchar' || use.type.name === 'char' || use.type.name === 'character')
      .map((use) => ({
        message: `${shortTable(use.table)}.${use.column} is ${use.type.display}: char pads values with spaces; prefer text.`,
        fix: `Declare it text (drizzle: text('${use.column}')), with CHECK (char_length(${use.column}) = n) if the length matters.`,
        at: use.location,
      }));
  },
};

export default rule;
