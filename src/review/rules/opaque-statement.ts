/**
 * opaque-statement (dbctl): statements whose effect the review cannot see, exactly those the shared
 * analysis (core/classify) marks `kind: 'opaque'` in `destroys`: calls of functions that are neither
 * PostgreSQL's own nor defined in the migration, `CALL` of such a procedure, `EXECUTE` of a statement
 * prepared elsewhere, and in `DO` blocks dynamic SQL, another language or a body that does not
 * parse. What the analysis sees all of (a `DO` block that only reads and raises, a function the
 * migration defines) is not opaque. What an opaque statement locks or destroys is unknown, so on a
 * database with existing tables it is an error (dbctl migrate treats it as destructive unless
 * PostgreSQL shows otherwise).
 */
import type { Rule, RuleStatement } from '../types.js';

/** Why a statement is opaque, or null when the review sees what it does. */
export function opaqueReason(stmt: RuleStatement): string | null {
  const opaque = stmt.classification.destroys.filter((d) => d.kind === 'opaque');
  if (opaque.length > 0) {
    // the analysis' verdict: built-ins and functions the migration defines are seen into, others not
    const calls = [...new Set(opaque.map((d) => d.name ?? ''))];
    return calls.every((c) => c.endsWith('()'))
      ? `it calls ${calls.join(', ')}, whose effects the review cannot see`
      : `${stmt.classification.summary} runs code the analysis cannot see into`;
  }
  return null;
}

/** Flags statements whose locks and data effects the review cannot see. */
const rule: Rule = {
  id: 'opaque-statement',
  defaultSeverity: 'error',
  docs: {
    problem:
      'Code the review cannot see into runs here (a function or procedure the migration does not define, an EXECUTE of a statement prepared elsewhere, dynamic SQL in a DO block): it may lock, rewrite or delete anything, and no rule can say what. On a database with existing tables this is an error (dbctl migrate treats it as destructive and backs up what it can unless PostgreSQL shows otherwise).',
    fix: 'Write the statements out as plain SQL in the migration, so they are reviewed and classified; if the code is known to be harmless, mark it `-- dbctl-ignore opaque-statement: what it does`.',
  },
  check(stmt, ctx) {
    const reason = opaqueReason(stmt);
    if (!reason) return;
    const existing =
      ctx.knowledge.knowsAnyTable() ||
      ctx.statements.slice(0, stmt.index).some((s) => s.classification.lock.tables.some((t) => !s.classification.newTables.includes(t)));
    return {
      message: `Opaque statement: ${reason}. What it locks or destroys is unknown${existing ? ', and the database has existing tables' : ''}.`,
      severity: existing ? 'error' : 'warning',
    };
  },
};

export default rule;
