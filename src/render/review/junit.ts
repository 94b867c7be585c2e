/**
 * JUnit XML for CI test reporters: one test suite per migration, one test case per finding
 * (errors are failures; warnings pass with their message in system-out), and one passing case
 * for a migration without findings.
 */
import { createXml } from '../xml.js';
import type { ReviewFinding, ReviewReport } from '../../review/types.js';

/** Renders the report as JUnit XML. */
export function renderJunit(report: ReviewReport): string {
  const root = createXml({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', {
    name: 'dbctl review',
    tests: 0,
    failures: report.summary.errors,
    errors: 0,
  });
  let total = 0;
  for (const migration of report.migrations) {
    const cases: { name: string; finding?: ReviewFinding; sql?: string }[] = [];
    for (const finding of migration.findings ?? []) cases.push({ name: caseName(finding), finding });
    for (const statement of migration.statements) {
      for (const finding of statement.findings) cases.push({ name: caseName(finding), finding, sql: statement.sql });
    }
    if (cases.length === 0) cases.push({ name: 'review' });
    const failures = cases.filter((c) => c.finding?.severity === 'error').length;
    total += cases.length;
    const suite = root.ele('testsuite', {
      name: migration.tag,
      file: migration.file,
      tests: cases.length,
      failures,
      errors: 0,
      skipped: 0,
    });
    for (const c of cases) {
      const testcase = suite.ele('testcase', {
        name: c.name,
        classname: migration.file,
        file: migration.file,
        ...(c.finding?.line ? { line: c.finding.line } : {}),
      });
      if (!c.finding) continue;
      const body = `${c.finding.message}\n\nfix: ${c.finding.fix}${c.sql ? `\n\n${c.sql}` : ''}`;
      if (c.finding.severity === 'error') testcase.ele('failure', { message: c.finding.message, type: c.finding.rule }).txt(body);
      else testcase.ele('system-out').txt(`warning: ${body}`);
    }
  }
  root.att('tests', String(total));
  return `${root.end({ prettyPrint: true })}\n`;
}

function caseName(finding: ReviewFinding): string {
  return `${finding.rule}${finding.line ? ` (line ${finding.line})` : ''}`;
}
