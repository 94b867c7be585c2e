/**
 * require-concurrent-index-creation: CREATE INDEX without CONCURRENTLY on an existing table blocks
 * writes for the whole build.
 */
import { rangeVarName } from '../../sql/ast.js';
import type { Rule } from '../types.js';
import { isExisting, shortTable } from '../rule-support.js';

/** Flags non-concurrent index builds on existing tables. */
const rule: Rule = {
  id: 'require-concurrent-index-creation',
  defaultSeverity: 'error',
  sizeSensitive: true,
  docs: {
    problem:
      '`CREATE INDEX` without CONCURRENTLY holds a SHARE lock on the table for the whole build: every INSERT, UPDATE and DELETE on it waits until the index is built.',
    fix: 'Use `CREATE INDEX CONCURRENTLY IF NOT EXISTS` (dbctl runs it outside the migration transaction). If a concurrent build fails it leaves an INVALID index: `DROP INDEX CONCURRENTLY` it and run again.',
  },
  kinds: ['IndexStmt'],
  check(stmt, ctx) {
    if (stmt.kind !== 'IndexStmt' || !stmt.node || stmt.node.concurrent) return;
    const table = rangeVarName(stmt.node.relation);
    if (!isExisting(table.qualified, stmt, ctx)) return;
    const name = stmt.node.idxname ? `${stmt.node.idxname} ` : '';
    const unique = stmt.node.unique ? 'UNIQUE ' : '';
    return {
      message: `CREATE ${unique}INDEX ${name}on ${shortTable(table.qualified)} without CONCURRENTLY holds a SHARE lock for the whole build: writes to ${shortTable(table.qualified)} are blocked until it finishes.`,
      fix: `CREATE ${unique}INDEX CONCURRENTLY IF NOT EXISTS ${name}ON ${shortTable(table.qualified)} (...);${ctx.appliedByDbctl ? ' dbctl runs it outside the migration transaction.' : ' Run it outside a transaction (drizzle-kit migrate wraps migrations in one; dbctl migrate splits them for you).'} If it fails, DROP INDEX CONCURRENTLY the INVALID index and retry. (drizzle: index().on(...).concurrently())`,
      at: stmt.node.relation?.location ?? -1,
      table: table.qualified,
    };
  },
};

export default rule;
