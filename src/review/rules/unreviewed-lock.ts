/**
 * unreviewed-lock (dbctl): the safety net for locks. A statement the classification calls
 * locking (it rewrites or scans an existing table while holding a lock that blocks reads or
 * writes) that no specific rule reports gets this finding from the engine, naming the lock.
 */
import type { Rule } from '../types.js';

/** Documents the engine's generic finding for blocking statements no rule covers. */
const rule: Rule = {
  id: 'unreviewed-lock',
  defaultSeverity: 'error',
  engine: true,
  sizeSensitive: true,
  docs: {
    problem:
      "dbctl's classification says the statement rewrites or scans an existing table while holding a lock that blocks reads or writes, and no specific rule covers it: it blocks the application for as long as the work takes.",
    fix: 'Find the non-blocking form of the operation (CONCURRENTLY, NOT VALID then VALIDATE, a new object then a swap), or run it in a maintenance window and mark it `-- dbctl-ignore unreviewed-lock: reason`.',
  },
  check() {
    return;
  },
};

export default rule;
