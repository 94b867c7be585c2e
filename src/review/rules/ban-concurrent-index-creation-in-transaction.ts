/**
 * ban-concurrent-index-creation-in-transaction: CREATE/DROP INDEX CONCURRENTLY (and every other
 * statement that cannot run in a transaction block) inside an explicit BEGIN of the file fails.
 * Without dbctl (raw drizzle-kit migrate wraps every migration in one transaction) it always fails.
 */
import type { Rule } from '../types.js';

/** Flags non-transactional statements that would run inside a transaction block. */
const rule: Rule = {
  id: 'ban-concurrent-index-creation-in-transaction',
  defaultSeverity: 'error',
  docs: {
    problem:
      '`CREATE INDEX CONCURRENTLY` (like DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, VACUUM) cannot run inside a transaction block: inside an explicit BEGIN in the migration it fails with "cannot run inside a transaction block". drizzle-kit migrate runs every migration in one transaction, so there it always fails; dbctl migrate runs such statements outside the transaction.',
    fix: 'Remove the BEGIN/COMMIT around it and apply with `dbctl migrate`, which runs statements that cannot be in a transaction on their own.',
  },
  check(stmt, ctx) {
    if (stmt.classification.transactional) return;
    const what = stmt.classification.summary;
    if (ctx.inExplicitTransaction(stmt.index)) {
      return {
        message: `${what} cannot run inside a transaction block, and this file wraps it in BEGIN ... COMMIT: the migration fails.`,
        fix: 'Remove the BEGIN/COMMIT from the migration; dbctl migrate runs this statement outside a transaction by itself.',
      };
    }
    if (!ctx.appliedByDbctl && !afterOwnCommit(stmt.index, ctx)) {
      return {
        message: `${what} cannot run inside a transaction block, and drizzle-kit migrate runs every migration in one transaction: the migration fails.`,
        fix: 'Apply the migrations with `dbctl migrate` (it runs this statement outside the transaction), or move the statement out of the drizzle migrations and run it by hand.',
      };
    }
    return;
  },
};

/**
 * Whether the statements before `index` that run outside a transaction follow a COMMIT of the file
 * written to end drizzle-kit's transaction for them (`COMMIT;--> statement-breakpoint` before
 * `CREATE INDEX CONCURRENTLY`): drizzle-kit migrate then runs them outside a transaction too.
 */
function afterOwnCommit(index: number, ctx: Parameters<Rule['check']>[1]): boolean {
  for (let i = index - 1; i >= 0; i--) {
    const previous = ctx.statements[i]!.classification;
    if (previous.redundantControl) return previous.control === 'commit';
    if (previous.transactional) return false;
  }
  return false;
}

export default rule;
