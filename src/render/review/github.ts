/**
 * GitHub Actions workflow commands: one `::error` / `::warning` annotation per finding, pointing at
 * the migration file and line. Nothing else: the command writes the summary line to stderr, so
 * stdout holds only the annotations.
 */
import type { ReviewReport } from '../../review/types.js';

/** Escapes a workflow command's message (`%`, CR, LF). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a workflow command property value (also `:` and `,`). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Renders the report as GitHub workflow commands. */
export function renderGithub(report: ReviewReport): string {
  const out: string[] = [];
  for (const migration of report.migrations) {
    const findings = [
      ...(migration.findings ?? []).map((f) => ({ f, line: f.line ?? 1 })),
      ...migration.statements.flatMap((s) => s.findings.map((f) => ({ f, line: f.line ?? s.line }))),
    ];
    for (const { f, line } of findings) {
      const props = [`file=${escapeProperty(migration.file)}`, `line=${line}`];
      if (f.column !== undefined) props.push(`col=${f.column}`);
      props.push(`title=${escapeProperty(`dbctl ${f.rule}`)}`);
      out.push(`::${f.severity} ${props.join(',')}::${escapeData(`${f.message}\nfix: ${f.fix}`)}`);
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
