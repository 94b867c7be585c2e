/**
 * Views of `dbctl check`: text, the contract's json, junit, GitHub workflow commands, markdown.
 */
import kleur from 'kleur';
import { DbctlError } from '../errors.js';
import { createXml } from './xml.js';

/** One check's outcome, as the contract's JSON has it. */
export interface CheckResult {
  id: string;
  ok: boolean;
  message: string;
  details?: string[];
}

/** The contract's `--format json` document. */
export interface CheckReport {
  ok: boolean;
  checks: CheckResult[];
}

/** Formats `dbctl check` can print. */
export const CHECK_FORMATS = ['text', 'json', 'junit', 'github', 'markdown'] as const;
/** One of CHECK_FORMATS. */
export type CheckFormat = (typeof CHECK_FORMATS)[number];

/** Validates `--format`; without one, `--json` means the json format, else text. */
export function chooseCheckFormat(json: boolean, format: string | undefined): CheckFormat {
  const chosen = (format ?? (json ? 'json' : 'text')) as CheckFormat;
  if (!CHECK_FORMATS.includes(chosen)) {
    throw new DbctlError('USAGE', `--format ${chosen} is not a check format`, { hint: `use one of ${CHECK_FORMATS.join(', ')}` });
  }
  return chosen;
}

/** Formats whose stdout is only the format itself (the summary line goes to stderr). */
export const CHECK_MACHINE_FORMATS: readonly CheckFormat[] = ['json', 'junit', 'github'];

/** One line: "dbctl check: failed (schema, journal), 3 checks" (stderr beside a machine format). */
export function checkSummaryLine(report: CheckReport): string {
  const failed = report.checks.filter((c) => !c.ok).map((c) => c.id);
  const n = report.checks.length;
  return `dbctl check: ${report.ok ? 'passed' : `failed (${failed.join(', ')})`}, ${n} check${n === 1 ? '' : 's'}`;
}

/** Renders the report in a format. */
export function renderCheck(report: CheckReport, format: CheckFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(report, null, 2);
    case 'junit':
      return junit(report);
    case 'github':
      return github(report);
    case 'markdown':
      return markdown(report);
    default:
      return text(report);
  }
}

function text(report: CheckReport): string {
  const lines = report.checks.flatMap((c) => [
    `${c.ok ? kleur.green('pass') : kleur.red('FAIL')}  ${kleur.bold(c.id)}: ${c.message}`,
    ...(c.details ?? []).map((d) => `        ${d}`),
  ]);
  const failed = report.checks.filter((c) => !c.ok).length;
  lines.push(
    report.ok ? kleur.green('check passed: safe to deploy') : kleur.red(`check failed: ${failed} of ${report.checks.length} checks failed`),
  );
  return lines.join('\n');
}

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function github(report: CheckReport): string {
  return report.checks
    .map((c) => {
      const body = escapeData([c.message, ...(c.details ?? [])].join('\n'));
      const title = c.id.replace(/[,:]/g, ' ');
      return c.ok ? `::notice title=${title}::${body}` : `::error title=${title}::${body}`;
    })
    .join('\n');
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, '<br>');
}

function markdown(report: CheckReport): string {
  const rows = report.checks.map((c) => `| ${c.ok ? '✅' : '❌'} | \`${c.id}\` | ${cell([c.message, ...(c.details ?? [])].join('\n'))} |`);
  return [`### dbctl check: ${report.ok ? 'passed' : 'failed'}`, '', '| | check | result |', '| --- | --- | --- |', ...rows].join('\n');
}

function junit(report: CheckReport): string {
  const root = createXml({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', { name: 'dbctl check' });
  const suite = root.ele('testsuite', {
    name: 'dbctl check',
    tests: report.checks.length,
    failures: report.checks.filter((c) => !c.ok).length,
  });
  for (const c of report.checks) {
    const testcase = suite.ele('testcase', { name: c.id, classname: 'dbctl.check' });
    if (!c.ok) testcase.ele('failure', { message: c.message }).txt([c.message, ...(c.details ?? [])].join('\n'));
    else if (c.details?.length) testcase.ele('system-out').txt(c.details.join('\n'));
  }
  return root.end({ prettyPrint: true });
}
