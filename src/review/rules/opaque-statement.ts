/**
 * opaque-statement (dbctl): statements whose effect the review cannot see: `DO` blocks, `CALL`,
 * `EXECUTE` of a prepared statement, and user function calls (`SELECT my_function()`). What they
 * lock or destroy is unknown, so on a database with existing tables they are errors (dbctl migrate
 * treats them as destructive unless PostgreSQL shows otherwise).
 *
 * Minimal detection until the shared analysis (core/classify) sees into DO blocks and marks what it
 * cannot see as `kind: 'opaque'` in `destroys`: that mark is honoured here too.
 */
import { bodyOf, stringList, walk } from '../../sql/ast.js';
import { isBuiltinFunction } from '../../core/classify/builtins.js';
import type { Rule, RuleStatement } from '../types.js';

/** Why a statement is opaque, or null when the review sees what it does. */
export function opaqueReason(stmt: RuleStatement): string | null {
  if (stmt.classification.destroys.some((d) => d.kind === 'opaque'))
    return `${stmt.classification.summary} runs code the analysis cannot see into`;
  switch (stmt.kind) {
    case 'DoStmt': {
      // Until the classification walks DO blocks, it reports nothing for them: opaque. Once it
      // does, what it found (locks, creations, destructions) is reviewed like plain SQL, and what
      // it cannot see is marked `kind: 'opaque'` (handled above).
      const c = stmt.classification;
      const seen = c.lock.tables.length > 0 || c.creates.length > 0 || c.destroys.length > 0;
      return seen ? null : 'a DO block runs PL/pgSQL (possibly dynamic SQL) the review cannot see into';
    }
    case 'CallStmt': {
      const name = stringList(stmt.node?.funccall?.funcname).join('.');
      return `CALL ${name} runs a procedure the review cannot see into`;
    }
    case 'ExecuteStmt':
      return `EXECUTE ${stmt.node?.name ?? ''} runs a prepared statement the review cannot see`.replace('  ', ' ');
    case 'SelectStmt':
    case 'InsertStmt':
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'MergeStmt': {
      const user = userFunctions(stmt.node);
      return user.length ? `it calls ${user.map((f) => `${f}()`).join(', ')}, whose effects the review cannot see` : null;
    }
    default:
      return null;
  }
}

/**
 * Functions called that are not PostgreSQL's own or a common extension's, as the analysis judges
 * them (`isBuiltinFunction`); `set_config` is the analysis' to judge (a constant search_path is
 * seen, anything else is marked opaque in the classification).
 */
function userFunctions(node: unknown): string[] {
  const out = new Set<string>();
  walk(node, (key, value) => {
    const call = bodyOf(key, value, 'FuncCall');
    if (!call) return;
    const parts = stringList(call.funcname);
    if (isBuiltinFunction(parts) || (parts.length === 1 && parts[0]!.toLowerCase() === 'set_config')) return;
    out.add(parts.join('.'));
  });
  return [...out];
}

/** Flags statements whose locks and data effects the review cannot see. */
const rule: Rule = {
  id: 'opaque-statement',
  defaultSeverity: 'error',
  docs: {
    problem:
      'A DO block, CALL, EXECUTE or user function call runs code the review cannot see into: it may lock, rewrite or delete anything, and no rule can say what. On a database with existing tables this is an error (dbctl migrate treats it as destructive and backs up what it can unless PostgreSQL shows otherwise).',
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
