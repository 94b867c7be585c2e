/**
 * What `dbctl fix` shows: its `--json` document, and the statements of a written migration
 * (fix, revert) as indented text.
 */
import kleur from 'kleur';
import type { Output } from '../io/output.js';

/** `fix()`'s document (`dbctl fix --json`). */
export interface FixDocument {
  env: string;
  status: 'written' | 'up-to-date';
  migration: { tag: string; file: string; snapshot: string; statements: number } | null;
  statements: string[];
  differences: string[];
  review: import('../review/types.js').ReviewReport | null;
}

/** The statements of a written migration, indented (text output only: `--json` has them in the document). */
export function showSql(out: Output, statements: readonly string[]): void {
  if (out.json) return;
  for (const statement of statements) {
    for (const line of statement.trim().split('\n')) out.info(`    ${out.color ? kleur.cyan(line) : line}`);
  }
}

/**
 * The text view of `dbctl fix`: nothing beyond the lines the run printed as it went (the SQL and
 * its review come in their place there, between what was written and what to do next).
 */
export function renderFix(_document: FixDocument): void {}
