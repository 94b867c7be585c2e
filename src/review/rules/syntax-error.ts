/**
 * syntax-error: SQL the PostgreSQL parser rejects. Reported by the engine (with the parser's
 * message and position), never a crash; the other statements are still reviewed.
 */
import type { Rule } from '../types.js';

/** Documents the engine's syntax-error findings. */
const rule: Rule = {
  id: 'syntax-error',
  defaultSeverity: 'error',
  engine: true,
  docs: {
    problem: 'The PostgreSQL parser rejects the statement: the migration would fail when applied, and dbctl cannot review it.',
    fix: 'Fix the SQL at the position shown (for drizzle-generated files, regenerate instead of editing by hand).',
  },
  check() {
    return;
  },
};

export default rule;
