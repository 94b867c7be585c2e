/**
 * A failed statement rendered the way graphile-migrate does it: file and line, the offending SQL
 * line with a caret under the error position, then SQLSTATE, detail and hint.
 */
import kleur from 'kleur';
import { lineAndColumn } from '../core/statements.js';

/** What is needed to show a SQL error in context. */
export interface SqlErrorView {
  relativeFile: string;
  /** Whole file text. */
  text: string;
  /** 1-based line of the statement. */
  line: number;
  statement: string;
  message: string;
  code?: string | undefined;
  detail?: string | undefined;
  hint?: string | undefined;
  /** Offset in `text` where PostgreSQL placed the error. */
  fileOffset?: number | undefined;
}

/** Lines describing the error; without a position the statement's first lines are shown. */
export function renderSqlError(view: SqlErrorView): string[] {
  const lines: string[] = [];
  if (view.fileOffset !== undefined) {
    const where = lineAndColumn(view.text, view.fileOffset);
    const gutter = `${where.line} | `;
    lines.push(`  ${kleur.dim(`${view.relativeFile}:${where.line}:${where.column + 1}`)}`);
    lines.push(`  ${kleur.dim(gutter)}${where.lineText}`);
    lines.push(`  ${' '.repeat(gutter.length + where.column)}${kleur.red('^')}`);
  } else {
    lines.push(`  ${kleur.dim(`${view.relativeFile}:${view.line}`)}`);
    const shown = view.statement.split('\n').slice(0, 6);
    shown.forEach((text, i) => lines.push(`  ${kleur.dim(`${view.line + i} | `)}${text.replace(/\r$/, '')}`));
    if (view.statement.split('\n').length > shown.length) lines.push(`  ${kleur.dim('  …')}`);
  }
  lines.push(`  ${kleur.red(view.code ? `${view.code}: ${view.message}` : view.message)}`);
  if (view.detail) lines.push(`  detail: ${view.detail}`);
  if (view.hint) lines.push(`  hint: ${view.hint}`);
  return lines;
}
