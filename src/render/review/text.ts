/**
 * Human-readable review: grouped by migration; each finding shows its source line with a caret
 * under the offending clause, the message and the fix. Colors (kleur) only when asked.
 */
import kleur from 'kleur';
import type { ReviewFinding, ReviewReport, ReviewStatement } from '../../review/types.js';

/** Text rendering options. */
export interface TextOptions {
  color: boolean;
}

type Paint = (text: string) => string;

interface Palette {
  error: Paint;
  warning: Paint;
  dim: Paint;
  bold: Paint;
  caret: Paint;
  ok: Paint;
}

const plain: Paint = (text) => text;
const PLAIN: Palette = { error: plain, warning: plain, dim: plain, bold: plain, caret: plain, ok: plain };

/** Longest source line shown; longer lines are windowed around the caret. */
const MAX_LINE = 140;

/** Renders the report as text. */
export function renderText(report: ReviewReport, options: TextOptions): string {
  // without color kleur gives its input back: no chain of style objects built for every piece of text
  if (!options.color) return render(report, PLAIN);
  const previous = kleur.enabled;
  kleur.enabled = options.color;
  try {
    const paint: Palette = {
      error: (t) => kleur.red().bold(t),
      warning: (t) => kleur.yellow().bold(t),
      dim: (t) => kleur.dim(t),
      bold: (t) => kleur.bold(t),
      caret: (t) => kleur.red(t),
      ok: (t) => kleur.green(t),
    };
    return render(report, paint);
  } finally {
    kleur.enabled = previous;
  }
}

function render(report: ReviewReport, paint: Palette): string {
  const out: string[] = [];
  let statements = 0;
  for (const migration of report.migrations) {
    statements += migration.statements.length;
    const findings = migration.statements.reduce((n, s) => n + s.findings.length, 0) + (migration.findings?.length ?? 0);
    out.push(
      `${paint.bold(migration.file)} ${paint.dim(`(${migration.tag}, ${migration.statements.length} statement${migration.statements.length === 1 ? '' : 's'})`)}`,
    );
    if (findings === 0) {
      out.push(`  ${paint.ok('✓')} no findings`, '');
      continue;
    }
    for (const finding of migration.findings ?? []) renderFinding(out, finding, undefined, paint);
    for (const statement of migration.statements) {
      if (statement.findings.length === 0) continue;
      out.push(`  ${paint.dim(`statement ${statement.index + 1}, line ${statement.line} · ${statement.class} · ${statement.summary}`)}`);
      for (const finding of statement.findings) renderFinding(out, finding, statement, paint);
    }
  }
  const { errors, warnings } = report.summary;
  const count = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
  const scope = `in ${report.migrations.length} migration${report.migrations.length === 1 ? '' : 's'} (${statements} statement${statements === 1 ? '' : 's'})`;
  if (errors > 0) out.push(paint.error(`✖ ${count} ${scope}`));
  else if (warnings > 0) out.push(paint.warning(`⚠ ${count} ${scope}`));
  else out.push(paint.ok(`✓ no findings ${scope}`));
  return `${out.join('\n')}\n`;
}

/** Appends a finding's lines, and a blank line after them, to `out`. */
function renderFinding(out: string[], finding: ReviewFinding, statement: ReviewStatement | undefined, paint: Palette): void {
  const label = finding.severity === 'error' ? paint.error('error') : paint.warning('warning');
  const where = finding.line !== undefined ? `${finding.line}${finding.column !== undefined ? `:${finding.column}` : ''}` : '';
  out.push(`  ${where ? `${paint.dim(where)} ` : ''}${label} ${paint.bold(finding.rule)}`);
  for (const line of sourceExcerpt(finding, statement, paint)) out.push(line);
  for (const line of wrap(finding.message, '    ')) out.push(line);
  if (finding.fix) for (const line of wrap(`fix: ${finding.fix}`, '    ')) out.push(paint.dim(line));
  out.push('');
}

/** The source line of the finding (from the statement's SQL) with a caret under its column. */
function sourceExcerpt(finding: ReviewFinding, statement: ReviewStatement | undefined, paint: Palette): string[] {
  if (!statement) return [];
  const lines = statement.sql.split('\n');
  const lineNumber = finding.line ?? statement.line;
  const offset = lineNumber - statement.line;
  if (offset < 0 || offset >= lines.length) return [];
  let text = lines[offset]!.replace(/\t/g, ' ');
  const gutter = String(lineNumber).padStart(5);
  // Columns count from the start of the file line; the statement's first line starts at its own column.
  let column = finding.column === undefined ? undefined : finding.column - (offset === 0 ? (statement.column ?? 1) - 1 : 0);
  if (text.length > MAX_LINE) {
    const center = Math.max(0, (column ?? 1) - 1);
    const start = Math.max(0, Math.min(center - Math.floor(MAX_LINE / 2), text.length - MAX_LINE));
    text = `${start > 0 ? '…' : ''}${text.slice(start, start + MAX_LINE)}${start + MAX_LINE < text.length ? '…' : ''}`;
    if (column !== undefined) column = column - start + (start > 0 ? 1 : 0);
  }
  const out = [`  ${paint.dim(`${gutter} │`)} ${text}`];
  if (column !== undefined && column >= 1 && column <= text.length + 1) {
    const width = tokenWidth(text, column - 1);
    out.push(`  ${paint.dim(`${' '.repeat(gutter.length)} │`)} ${' '.repeat(column - 1)}${paint.caret('^'.repeat(width))}`);
  }
  return out;
}

/** Width of the identifier-like token at `index` (at least 1). */
function tokenWidth(text: string, index: number): number {
  let end = index;
  while (end < text.length && /[\w"$.]/.test(text[end]!)) end++;
  return Math.max(1, Math.min(end - index, 40));
}

/**
 * Wraps prose at ~100 columns with a hanging indent: greedy, each line as many words as fit (a
 * longer word alone), runs of whitespace as one space. Lines are cut from the text at its spaces,
 * not built word by word (a review of hundreds of findings wraps thousands of words).
 */
function wrap(text: string, indent: string, width = 100): string[] {
  const words = text.replace(/\s+/g, ' ');
  const out: string[] = [];
  let from = words.startsWith(' ') ? 1 : 0;
  while (from < words.length) {
    if (words.length - from <= width) {
      out.push(indent + words.slice(from));
      break;
    }
    let cut = words.lastIndexOf(' ', from + width);
    if (cut <= from) cut = words.indexOf(' ', from + 1); // a word longer than the line
    if (cut < 0) {
      out.push(indent + words.slice(from));
      break;
    }
    out.push(indent + words.slice(from, cut));
    from = cut + 1;
  }
  return out;
}
