/**
 * transaction-nesting: BEGIN / COMMIT / ROLLBACK in a migration file, which dbctl (and
 * drizzle-kit migrate) already run inside a transaction. Applied by dbctl, a plain COMMIT right
 * before (or BEGIN right after) a statement that runs outside a transaction is not reported: it is
 * the boundary dbctl draws there itself, and dbctl does not run it.
 */
import type { Rule } from '../types.js';

const CONTROL = new Set(['TRANS_STMT_BEGIN', 'TRANS_STMT_START', 'TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_PREPARE']);

/** Flags transaction control statements in migration files. */
const rule: Rule = {
  id: 'transaction-nesting',
  defaultSeverity: 'error',
  docs: {
    problem:
      'dbctl migrate and drizzle-kit migrate already run each migration inside a transaction. A BEGIN in the file only warns, but COMMIT or ROLLBACK ends that transaction early: a later failure leaves the migration half applied and its history record inconsistent.',
    fix: 'Remove BEGIN/COMMIT/ROLLBACK from the migration. dbctl wraps each migration in a transaction and runs the statements that cannot be in one (CREATE INDEX CONCURRENTLY, ...) outside it by itself.',
  },
  kinds: ['TransactionStmt'],
  check(stmt, ctx) {
    if (stmt.kind !== 'TransactionStmt' || !CONTROL.has(stmt.node.kind ?? '')) return;
    // COMMIT before / BEGIN after a statement dbctl runs outside a transaction: dbctl does not run it
    if (ctx.appliedByDbctl && stmt.classification.redundantControl) return;
    const what = stmt.classification.summary;
    const ends = stmt.node.kind !== 'TRANS_STMT_BEGIN' && stmt.node.kind !== 'TRANS_STMT_START';
    return {
      message: ends
        ? `${what} ends the transaction the migration runner opened: statements after it are no longer atomic with the rest, and a later failure leaves the migration half applied.`
        : `${what} opens a transaction inside the one the migration runner already opened (PostgreSQL only warns, and the matching COMMIT ends the runner's transaction early).`,
    };
  },
};

export default rule;
