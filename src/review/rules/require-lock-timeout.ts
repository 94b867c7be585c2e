/**
 * require-lock-timeout: without `SET lock_timeout`, a statement waiting for its lock behind a long
 * query makes every later query on the table wait too. dbctl migrate sets lock_timeout itself, so
 * this only applies to migrations applied by other tools (appliedByDbctl: false).
 */
import type { Rule } from '../types.js';
import { firstBlockingStatement, setsVariableBefore } from '../rule-support.js';

/** Flags the first blocking statement of a file applied without dbctl and without lock_timeout. */
const rule: Rule = {
  id: 'require-lock-timeout',
  // eugene's E9: a lock that blocks reads or writes, waited for without a timeout, stalls the application
  defaultSeverity: 'error',
  docs: {
    problem:
      "A statement that needs a strong lock waits for every running query on the table, and every new query queues behind it: without lock_timeout a brief ALTER TABLE can stall the application for as long as the slowest running query. dbctl migrate sets lock_timeout (`--lock-timeout`, default 5s) and retries; this rule applies when migrations are applied by other tools (`review.appliedBy: 'drizzle-kit'`).",
    fix: "Start the migration with `SET lock_timeout = '5s';` and retry on timeout, or apply with `dbctl migrate`.",
  },
  check(stmt, ctx) {
    if (ctx.appliedByDbctl) return;
    if (firstBlockingStatement(ctx) !== stmt.index) return;
    if (setsVariableBefore(ctx, stmt.index, 'lock_timeout')) return;
    return {
      message: `${stmt.classification.summary} waits for a lock that blocks ${stmt.classification.lock.blocks === 'writes' ? 'writes' : 'reads and writes'}, and no lock_timeout is set: while it waits, every query on ${stmt.classification.lock.tables.join(', ') || 'the table'} queues behind it.`,
      fix: "Add `SET lock_timeout = '5s';` at the top of the migration (and retry when it times out), or apply migrations with `dbctl migrate`, which does both.",
    };
  },
};

export default rule;
