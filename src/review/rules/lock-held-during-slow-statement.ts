/**
 * lock-held-during-slow-statement (eugene E4): a migration is one transaction, so a lock taken by
 * an early statement (ACCESS EXCLUSIVE for any ALTER TABLE, even a brief one) is held until
 * commit: a later statement that rewrites or scans a table keeps the first table blocked for as
 * long as it runs.
 */
import type { Rule, RuleStatement } from '../types.js';
import { perMigration, shortTable } from '../rule-support.js';

/** The statement's slow work on an existing table, in a few words, or null. */
function slowWork(stmt: RuleStatement): string | null {
  const lock = stmt.classification.lock;
  const existing = lock.tables.filter((t) => !stmt.classification.newTables.includes(t));
  if (!lock.level || (!lock.rewritesTable && !lock.scansTable)) return null;
  const on = existing.map(shortTable).join(', ') || 'existing tables';
  return `${lock.rewritesTable ? 'rewrites' : 'scans'} ${on}`;
}

/** Indexes of statements that run in the same transaction as statement `index` (dbctl splits at non-transactional statements and enum commits). */
function transactionStart(stmts: RuleStatement[], index: number, appliedByDbctl: boolean): number {
  for (let i = index - 1; i >= 0; i--) {
    const s = stmts[i]!;
    if (s.kind === 'TransactionStmt' && /COMMIT|ROLLBACK/.test(String(s.node?.kind))) return i + 1;
    if (appliedByDbctl && (!s.classification.transactional || s.classification.commitAfter)) return i + 1;
  }
  return 0;
}

/** Flags slow statements that run while an earlier statement's ACCESS EXCLUSIVE lock is held. */
const rule: Rule = {
  id: 'lock-held-during-slow-statement',
  defaultSeverity: 'error',
  docs: {
    problem:
      'A migration runs in one transaction, and locks are held until it commits: after a statement takes an ACCESS EXCLUSIVE lock on an existing table (any ALTER TABLE, even a brief one), a later statement that rewrites or scans a table (an index build, a validation, an UPDATE of every row) keeps that first table blocked for reads and writes for as long as it runs.',
    fix: 'Put the slow statement in its own migration before the one that takes the ACCESS EXCLUSIVE lock (or after it), so the lock is released before the slow work starts.',
  },
  check(stmt, ctx) {
    if (!stmt.classification.transactional) return;
    const work = slowWork(stmt);
    if (!work) return;
    const start = transactionStart(ctx.statements, stmt.index, ctx.appliedByDbctl);
    const mine = new Set(stmt.classification.lock.tables);
    const held = perMigration(ctx, `held:${start}:${stmt.index}`, () => {
      const tables: { table: string; by: RuleStatement }[] = [];
      for (const earlier of ctx.statements.slice(start, stmt.index)) {
        const lock = earlier.classification.lock;
        if (lock.level !== 'ACCESS EXCLUSIVE' || !earlier.classification.transactional) continue;
        for (const table of lock.tables) {
          if (earlier.classification.newTables.includes(table) || mine.has(table) || tables.some((t) => t.table === table)) continue;
          tables.push({ table, by: earlier });
        }
      }
      return tables;
    });
    if (held.length === 0) return;
    const names = held.map((h) => shortTable(h.table)).join(', ');
    const takenBy = held
      .map((h) => `${shortTable(h.table)} by statement ${h.by.index + 1} (line ${h.by.parsed.line}: ${h.by.classification.summary})`)
      .join('; ');
    const verb = held.length > 1 ? 'stay' : 'stays';
    return {
      message: `${stmt.classification.summary} ${work} while ACCESS EXCLUSIVE locks taken earlier in the same transaction are still held (${takenBy}): ${names} ${verb} blocked for reads and writes until this finishes.`,
      fix: `Move this statement to its own migration (before the one that alters ${names}), so the lock on ${names} is held only briefly.`,
    };
  },
};

export default rule;
