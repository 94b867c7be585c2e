/**
 * prefer-timestamptz: `timestamp` (without time zone) columns.
 */
import type { Rule } from '../types.js';
import { declaredColumnTypes, shortTable } from '../rule-support.js';

/** Flags columns declared as timestamp without time zone. */
const rule: Rule = {
  id: 'prefer-timestamptz',
  defaultSeverity: 'warning',
  docs: {
    problem:
      '`timestamp` (without time zone) stores a wall-clock reading with no zone: the same value means different instants depending on the session TimeZone, and DST changes make some values ambiguous.',
    fix: "Use `timestamptz` (drizzle: `timestamp('col', { withTimezone: true })`): an absolute instant, same 8 bytes.",
  },
  kinds: ['CreateStmt', 'AlterTableStmt'],
  check(stmt) {
    return declaredColumnTypes(stmt)
      .filter((use) => use.type.name === 'timestamp')
      .map((use) => ({
        message: `${shortTable(use.table)}.${use.column} is timestamp without time zone: its values mean different instants depending on the session TimeZone.`,
        fix: `Declare it timestamptz (drizzle: timestamp('${use.column}', { withTimezone: true })).`,
        at: use.location,
      }));
  },
};

export default rule;
