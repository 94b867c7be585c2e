/**
 * prefer-jsonb (eugene E3): `json` columns store the text as written: no equality operator, no
 * GIN index, reparsed on every access.
 */
import type { Rule } from '../types.js';
import { declaredColumnTypes, shortTable } from '../rule-support.js';

/** Flags columns declared json. */
const rule: Rule = {
  id: 'prefer-jsonb',
  defaultSeverity: 'warning',
  docs: {
    problem:
      '`json` stores the document as text: it has no equality operator (so DISTINCT, GROUP BY and UNIQUE fail on it), cannot be GIN-indexed, and is reparsed on every access. Changing it to jsonb later rewrites the table.',
    fix: "Use `jsonb` (drizzle: `jsonb('col')`), unless key order and duplicate keys must be kept byte for byte.",
  },
  kinds: ['CreateStmt', 'AlterTableStmt'],
  check(stmt) {
    return declaredColumnTypes(stmt)
      .filter((use) => use.type.name === 'json')
      .map((use) => ({
        message: `${shortTable(use.table)}.${use.column} is json${use.type.array ? '[]' : ''}: no equality operator, no GIN index, reparsed on every access.`,
        fix: `Declare it jsonb${use.type.array ? '[]' : ''} (drizzle: jsonb('${use.column}')).`,
        at: use.location,
      }));
  },
};

export default rule;
