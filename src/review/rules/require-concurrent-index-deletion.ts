/**
 * require-concurrent-index-deletion: DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the
 * index's table; it is quick, but waits behind running queries and everything queues behind it.
 */
import { objectName } from '../../sql/ast.js';
import type { Rule } from '../types.js';

/** Flags DROP INDEX without CONCURRENTLY (except indexes created in the same migration). */
const rule: Rule = {
  id: 'require-concurrent-index-deletion',
  defaultSeverity: 'warning',
  docs: {
    problem:
      "`DROP INDEX` without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the index's table. The drop itself is quick, but it waits for every running query on the table, and every new query queues behind it meanwhile.",
    fix: 'Use `DROP INDEX CONCURRENTLY IF EXISTS ...` (dbctl runs it outside the migration transaction).',
  },
  kinds: ['DropStmt'],
  check(stmt, ctx) {
    if (stmt.kind !== 'DropStmt' || stmt.node?.removeType !== 'OBJECT_INDEX' || stmt.node.concurrent) return;
    const created = new Set(
      ctx.statements
        .slice(0, stmt.index)
        .flatMap((s) => s.classification.creates)
        .filter((c) => c.kind === 'index' && c.name)
        .map((c) => `${c.schema}.${c.name}`),
    );
    const names = (stmt.node.objects ?? []).map((o) => objectName(o).qualified).filter((n) => !created.has(n));
    if (names.length === 0) return;
    const shown = names.map((n: string) => n.replace(/^public\./, '')).join(', ');
    return {
      message: `DROP INDEX ${shown} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on its table: it waits behind running queries, and every query on the table queues behind it.`,
      fix: `DROP INDEX CONCURRENTLY IF EXISTS ${shown};${ctx.appliedByDbctl ? ' (dbctl runs it outside the migration transaction)' : ''}`,
    };
  },
};

export default rule;
