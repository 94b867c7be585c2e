/**
 * THE classification table: what each SQL statement of a migration locks, blocks, rewrites, scans
 * or destroys, and whether it can run inside a transaction. Decided once, from the libpg-query AST;
 * the review rules, the apply engine (transaction splitting, commits after enum values, backups)
 * and the guards all read it.
 *
 * Context-aware across one migration: objects created earlier in the same migration are new, so
 * locking or dropping them costs nothing (CREATE INDEX on a table created above is 'safe').
 *
 * This file is the entry (the Classifier over one migration); the table itself lives in classify/:
 * - model.ts: the vocabulary (classes, lock levels, destroyed/modified/created objects, options);
 * - effects.ts, names.ts: what a run accumulates, and names qualified as the session would;
 * - execute.ts: the dispatcher over the families below, and statements that run other statements
 *   (function calls, DO, CALL, PREPARE/EXECUTE, EXPLAIN ANALYZE, PL/pgSQL via plpgsql.ts);
 * - one file per statement family: create.ts, alter-table.ts (one piece per sub-command),
 *   rename.ts, drop.ts (one piece per object kind), dml.ts, indexes.ts (index builds and table
 *   maintenance), user-types.ts, session.ts (transactions, SET, LOCK, database-wide statements);
 * - types.ts, volatility.ts, builtins.ts: type-change, default-volatility and builtin-function facts.
 *
 * Pure: no fs, process or network.
 */
import type { ParsedStatement } from '../sql/parser.js';
import { nodeOf, stringConstants, unwrap } from '../sql/ast.js';
import { Effects, fallbackSummary, NewObjects } from './classify/effects.js';
import { runStatement } from './classify/execute.js';
import type { ClassifyOptions, StatementClassification } from './classify/model.js';
import { searchPath, setSearchPath } from './classify/names.js';

export * from './classify/model.js';
export { parseSearchPath } from './classify/names.js';

/**
 * Classifies the statements of ONE migration, in order. Objects created earlier in the list are
 * new (no data, no readers), so operations on them are safe. A statement that failed to parse is
 * 'safe' and transactional, its summary naming the parse error.
 */
export function classifyStatements(statements: ParsedStatement[], options: ClassifyOptions = {}): StatementClassification[] {
  const classifier = new Classifier(options);
  const out = statements.map((statement) => classifier.next(statement));
  classifier.finish();
  return out;
}

/**
 * Classifies the statements of one migration one at a time, in order (what `classifyStatements`
 * does for a list): each call costs the statement's own size, whatever came before, so a migration
 * of n statements costs O(n), and the caller may drop each tree once it is classified.
 */
export class Classifier {
  private readonly objects: NewObjects;
  private readonly session: { searchPath: string[] | null };
  /** `ALTER TYPE ... ADD VALUE 'v'` classifications waiting for a later statement using 'v'. */
  private readonly enumValues = new Map<string, StatementClassification[]>();

  constructor(private readonly options: ClassifyOptions = {}) {
    this.session = options.session ?? { searchPath: null };
    this.objects = new NewObjects(options.parser, this.session);
  }

  /** Classifies the next statement of the migration. */
  next(statement: ParsedStatement): StatementClassification {
    const saved = searchPath();
    setSearchPath(this.session.searchPath);
    let result: StatementClassification;
    try {
      result = classifyOne(statement, this.objects, this.options);
    } finally {
      this.session.searchPath = searchPath();
      setSearchPath(saved);
    }
    this.markCommitAfter(statement, result);
    return result;
  }

  /** Ends the migration (nothing later can use a pending enum value). */
  finish(): void {
    this.enumValues.clear();
  }

  /** Sets `commitAfter` on each enum ADD VALUE whose value this (later) statement uses. */
  private markCommitAfter(statement: ParsedStatement, result: StatementClassification): void {
    if (this.enumValues.size > 0 && statement.node) {
      for (const constant of stringConstants(statement.node)) {
        const waiting = this.enumValues.get(constant);
        if (!waiting) continue;
        for (const c of waiting) c.commitAfter = true;
        this.enumValues.delete(constant);
      }
    }
    const alterEnum = nodeOf(statement.node, 'AlterEnumStmt');
    const value = statement.kind === 'AlterEnumStmt' ? alterEnum?.newVal : undefined;
    if (typeof value !== 'string' || alterEnum?.oldVal) return;
    const list = this.enumValues.get(value);
    if (list) list.push(result);
    else this.enumValues.set(value, [result]);
  }
}

function classifyOne(statement: ParsedStatement, objects: NewObjects, options: ClassifyOptions): StatementClassification {
  const fx = new Effects(objects);
  if (statement.kind === 'ParseError' || !statement.node) {
    return fx.result(`unparseable SQL: ${statement.error?.message ?? 'syntax error'}`);
  }
  const body = unwrap(statement.node, statement.kind);
  objects.text = statement.text;
  const summary = runStatement(statement.kind, body, fx, objects, options) ?? fallbackSummary(statement.text);
  return fx.result(summary);
}
