/**
 * prefer-bigint-over-smallint (squawk): `smallint` / `smallserial` id-like columns overflow at
 * 32,767. Only id-like columns (see prefer-bigint-over-int) are reported.
 */
import type { Rule } from '../types.js';
import { narrowIntegerCheck } from '../rule-support.js';

/** Flags 16-bit integer id-like columns. */
const rule: Rule = {
  ...narrowIntegerCheck('smallint'),
  id: 'prefer-bigint-over-smallint',
  defaultSeverity: 'warning',
  docs: {
    problem:
      '`smallint` (and `smallserial`) overflow at 32,767: ids, foreign keys and counters outgrow that quickly, and widening the column later rewrites the table under an ACCESS EXCLUSIVE lock. Only id-like columns are reported (primary keys, identity/serial, foreign keys, names ending in `id`, `_count`, `_total`).',
    fix: "Use `bigint` (drizzle: `bigint('col', { mode: 'number' })`, or a bigint identity column).",
  },
};

export default rule;
