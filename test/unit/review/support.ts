/**
 * Test helpers for the review engine: load the parser once, review SQL written inline.
 */
import { loadSqlParser, type SqlParser } from '../../../src/sql/parser.js';
import { reviewMigrations } from '../../../src/review/engine.js';
import type { ReviewFacts, ReviewFinding, ReviewReport, RuleSeverityOverride } from '../../../src/review/types.js';

let parser: SqlParser | undefined;

/** The shared parser (loaded once per test file). */
export async function getParser(): Promise<SqlParser> {
  parser ??= await loadSqlParser();
  return parser;
}

/** Options of `review`. */
export interface ReviewOptions {
  context?: string[];
  appliedByDbctl?: boolean;
  rules?: Record<string, RuleSeverityOverride>;
  facts?: ReviewFacts;
  /** Per migration (by position): what drizzle's snapshots show was answered "create" (or a function giving it). */
  answeredCreate?: (string[] | (() => string[]) | undefined)[];
}

/** Reviews one migration (a string) or several (an array), tagged 0000_m, 0001_m, ... */
export async function review(sql: string | string[], options: ReviewOptions = {}): Promise<ReviewReport> {
  const p = await getParser();
  const list = Array.isArray(sql) ? sql : [sql];
  return reviewMigrations(
    {
      migrations: list.map((text, i) => ({
        tag: `${String(i).padStart(4, '0')}_m`,
        file: `drizzle/${String(i).padStart(4, '0')}_m.sql`,
        sql: text,
        ...(options.answeredCreate?.[i] ? { answeredCreate: options.answeredCreate[i] } : {}),
      })),
      context: options.context?.map((text, i) => ({ tag: `c${i}`, sql: text })),
      appliedByDbctl: options.appliedByDbctl,
      rules: options.rules,
      facts: options.facts,
    },
    p,
  );
}

/** Every finding of a report (file-level ones included). */
export function allFindings(report: ReviewReport): ReviewFinding[] {
  return report.migrations.flatMap((m) => [...(m.findings ?? []), ...m.statements.flatMap((s) => s.findings)]);
}

/** The findings of one rule. */
export function findingsOf(report: ReviewReport, rule: string): ReviewFinding[] {
  return allFindings(report).filter((f) => f.rule === rule);
}

/** The set of rule ids that fired. */
export function firedRules(report: ReviewReport): Set<string> {
  return new Set(allFindings(report).map((f) => f.rule));
}
