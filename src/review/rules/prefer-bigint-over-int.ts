/**
 * prefer-bigint-over-int: `integer` / `serial` id-like columns (primary keys, identity/serial,
 * foreign keys, names ending in `id`, `_count`, `_total`) overflow at 2^31-1. Other integers (a
 * port, an MTU, a position) are not reported: they have natural bounds.
 */
import type { Rule } from '../types.js';
import { narrowIntegerCheck } from '../rule-support.js';

/** Flags 32-bit integer id-like columns. */
const rule: Rule = {
  ...narrowIntegerCheck('integer'),
  id: 'prefer-bigint-over-int',
  defaultSeverity: 'warning',
  docs: {
    problem:
      '`integer` (and `serial`) columns overflow at 2,147,483,647. Ids and counters outgrow that, and widening the column later rewrites the table under an ACCESS EXCLUSIVE lock. Only id-like columns are reported (primary keys, identity/serial, foreign keys, names ending in `id`, `_count`, `_total`), arrays included.',
    fix: "Use `bigint` (drizzle: `bigint('col', { mode: 'number' })`, or a bigint identity column): 4 more bytes a row.",
  },
};

export default rule;
