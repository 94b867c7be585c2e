/**
 * require-statement-timeout: without `SET statement_timeout`, a statement holding a blocking lock
 * can run for as long as it takes. dbctl migrate sets statement_timeout itself, so this only
 * applies to migrations applied by other tools (appliedByDbctl: false).
 */
import type { Rule } from '../types.js';
import { firstBlockingStatement, setsVariableBefore } from '../rule-support.js';

/** Flags the first blocking statement of a file applied without dbctl and without statement_timeout. */
const rule: Rule = {
  id: 'require-statement-timeout',
  defaultSeverity: 'warning',
  docs: {
    problem:
      'Without statement_timeout, a statement that holds a blocking lock (a rewrite, a scan, an index build) runs as long as it takes, and the application waits all that time. dbctl migrate sets statement_timeout from its config; this rule applies when migrations are applied by other tools.',
    fix: "Start the migration with `SET statement_timeout = '5min';` (a bound you can afford to block for), or apply with `dbctl migrate`.",
  },
  check(stmt, ctx) {
    if (ctx.appliedByDbctl) return;
    if (firstBlockingStatement(ctx) !== stmt.index) return;
    if (setsVariableBefore(ctx, stmt.index, 'statement_timeout')) return;
    return {
      message: `${stmt.classification.summary} holds a lock that blocks ${stmt.classification.lock.blocks === 'writes' ? 'writes' : 'reads and writes'}, and no statement_timeout bounds how long.`,
      fix: "Add `SET statement_timeout = '5min';` at the top of the migration, or apply migrations with `dbctl migrate`.",
    };
  },
};

export default rule;
