/**
 * Markdown for a pull-request comment: a headline with the counts, a table of findings, then per
 * statement a collapsible section with the fixes and the SQL.
 */
import type { ReviewReport } from '../../review/types.js';

/** GitHub rejects comments over 65,536 characters; details stop before that. */
const MAX_COMMENT = 60_000;

/** Escapes text for a markdown table cell (pipes, newlines, HTML). */
export function cell(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

/** Renders the report as a pull-request comment. */
export function renderMarkdown(report: ReviewReport): string {
  const { errors, warnings } = report.summary;
  const icon = errors > 0 ? '❌' : warnings > 0 ? '⚠️' : '✅';
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const out: string[] = [`### ${icon} dbctl review: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`, ''];
  const rows: string[] = [];
  const details: string[][] = [];
  for (const migration of report.migrations) {
    const groups = [
      ...(migration.findings?.length
        ? [{ line: migration.findings[0]!.line, sql: undefined as string | undefined, summary: 'file', findings: migration.findings }]
        : []),
      ...migration.statements
        .filter((s) => s.findings.length > 0)
        .map((s) => ({ line: s.line as number | undefined, sql: s.sql, summary: s.summary, findings: s.findings })),
    ];
    for (const group of groups) {
      for (const f of group.findings) {
        const severity = f.severity === 'error' ? '❌ error' : '⚠️ warning';
        rows.push(`| ${severity} | \`${cell(migration.tag)}\` | ${f.line ?? group.line ?? ''} | \`${f.rule}\` | ${cell(f.message)} |`);
      }
      details.push([
        `<details><summary><code>${cell(migration.file)}${group.line ? `:${group.line}` : ''}</code> · ${cell(group.summary)} · ${plural(group.findings.length, 'finding')}</summary>`,
        '',
        ...group.findings.map((f) => `- **\`${f.rule}\`** (${f.severity}): ${cell(f.fix)}`),
        ...(group.sql ? ['', '```sql', group.sql.replace(/```/g, '`\u200b``'), '```'] : []),
        '',
        '</details>',
      ]);
    }
  }
  if (rows.length === 0) {
    out.push(`No findings in ${plural(report.migrations.length, 'migration')}.`);
    return `${out.join('\n')}\n`;
  }
  out.push('| Severity | Migration | Line | Rule | Finding |', '| --- | --- | --- | --- | --- |', ...rows, '', '**How to fix**', '');
  let size = out.join('\n').length;
  let shown = 0;
  for (const block of details) {
    const text = block.join('\n');
    if (size + text.length > MAX_COMMENT) break;
    out.push(text);
    size += text.length + 1;
    shown++;
  }
  if (shown < details.length)
    out.push('', `_…${details.length - shown} more statements: run \`dbctl review\` locally for the full report._`);
  return `${out.join('\n')}\n`;
}
