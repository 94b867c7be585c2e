/**
 * prefer-bigint-over-smallint (squawk): `smallint` / `smallserial` id-like columns overflow at
 * 32,767. Only id-like columns (see prefer-bigint-over-int) are reported.
 */
import type { Rule } from '../types.js';
import { declaredColumnTypes, idLikeColumn, shortTable } from '../rule-support.js';

const INT16 = new Set(['int2', 'smallint', 'smallserial', 'serial2']);

/** Flags 16-bit integer id-like columns. */
const rule: Rule = {
  id: 'prefer-bigint-over-smallint',
  defaultSeverity: 'warning',
  docs: {
    problem:
      '`smallint` (and `smallserial`) overflow at 32,767: ids, foreign keys and counters outgrow that quickly, and widening the column later rewrites the table under an ACCESS EXCLUSIVE lock. Only id-like columns are reported (primary keys, identity/serial, foreign keys, names ending in `id`, `_count`, `_total`).',
    fix: "Use `bigint` (drizzle: `bigint('col', { mode: 'number' })`, or a bigint identity column).",
  },
  kinds: ['CreateStmt', 'AlterTableStmt'],
  check(stmt, ctx) {
    return declaredColumnTypes(stmt)
      .filter((use) => INT16.has(use.type.name) && idLikeColumn(stmt, ctx, use))
      .map((use) => ({
        message: `${shortTable(use.table)}.${use.column} is ${use.type.name === 'int2' ? 'smallint' : use.type.name}${use.type.array ? '[]' : ''}: it overflows at 32,767, and widening it later rewrites the table.`,
        fix: `Declare it bigint${use.type.array ? '[]' : ''}; drizzle: bigint('${use.column}', { mode: 'number' }).`,
        at: use.location,
      }));
  },
};

export default rule;
