/**
 * Every formatter: text (caret, colors only when asked), json (the contract's shape), junit (valid
 * XML), github (well-formed workflow commands), markdown (a table for a pull-request comment).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { create } from 'xmlbuilder2';
import { renderReview, reviewSummaryLine, REVIEW_FORMATS } from '../../../src/render/review/index.js';
import { reviewMigrations } from '../../../src/review/engine.js';
import type { ReviewReport } from '../../../src/review/types.js';
import { getParser } from './support.js';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../fixtures/review/${name}`, import.meta.url)), 'utf8');

let report: ReviewReport;
let clean: ReviewReport;
beforeAll(async () => {
  const parser = await getParser();
  report = reviewMigrations(
    {
      context: [{ tag: '0000_init', sql: fixture('0000_init.sql') }],
      migrations: [
        { tag: '0001_risky', file: 'drizzle/0001_risky.sql', sql: fixture('0001_risky.sql') },
        {
          tag: '0002_broken',
          file: 'drizzle/0002_broken.sql',
          sql: `-- dbctl-ignore-file no-such-rule\nALTER TABLE "users" ADD COLUMN "x" text;\n--> statement-breakpoint\nSELECT 'a|b' FROM WHERE;`,
        },
      ],
    },
    parser,
  );
  clean = reviewMigrations(
    { migrations: [{ tag: '0003_ok', file: 'drizzle/0003_ok.sql', sql: 'ALTER TABLE "users" ADD COLUMN "bio2" text;' }] },
    parser,
  );
});

const ANSI = /\u001b\[[0-9;]*m/;

describe('fixture review', () => {
  it('finds the hazards of the risky drizzle migration', () => {
    const rules = report.migrations[0]!.statements.flatMap((s) => s.findings.map((f) => f.rule));
    expect(rules).toEqual(expect.arrayContaining(['adding-required-field', 'changing-column-type', 'require-concurrent-index-creation']));
    expect(rules).not.toContain('ban-drop-column');
    expect(report.summary.errors).toBeGreaterThanOrEqual(4);
  });
});

describe('text', () => {
  it('wraps messages and fixes greedily at 100 columns with a hanging indent, whitespace runs as one space', () => {
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`);
    const long = 'x'.repeat(120);
    const wrapped: ReviewReport = {
      migrations: [
        {
          tag: '0001_m',
          file: 'drizzle/0001_m.sql',
          findings: [
            {
              rule: 'ban-drop-table',
              severity: 'error',
              message: `  ${words.join(' \n\t ')}  `,
              fix: `${long} end`,
            },
          ],
          statements: [],
        },
      ],
      summary: { errors: 1, warnings: 0 },
    } as unknown as ReviewReport;
    const lines = renderReview(wrapped, 'text', { color: false }).split('\n');
    const first = lines.findIndex((l) => l.startsWith('    word0'));
    const message: string[] = [];
    for (let i = first; lines[i]!.startsWith('    word'); i++) message.push(lines[i]!);
    expect(message.join(' ').replace(/ +/g, ' ').trim()).toBe(words.join(' '));
    for (const [i, line] of message.entries()) {
      expect(line.length).toBeLessThanOrEqual(104);
      // greedy: the next line's first word would not have fit
      if (i + 1 < message.length) expect(line.length - 4 + 1 + message[i + 1]!.trim().split(' ')[0]!.length).toBeGreaterThan(100);
    }
    // a word longer than the line stands alone
    const fix = lines.indexOf('    fix:');
    expect(lines.slice(fix, fix + 3)).toEqual(['    fix:', `    ${long}`, '    end']);
  });

  it('groups by migration, shows the line with a caret, the message and the fix', () => {
    const text = renderReview(report, 'text', { color: false });
    expect(text).not.toMatch(ANSI);
    expect(text).toContain('drizzle/0001_risky.sql');
    expect(text).toContain('drizzle/0002_broken.sql');
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.includes('error') && l.includes('adding-required-field'));
    expect(lines[at]).toMatch(/^\s+1:\d+ error adding-required-field/);
    const source = lines[at + 1]!;
    const caret = lines[at + 2]!;
    expect(source).toContain('ALTER TABLE "posts" ADD COLUMN "slug" text NOT NULL');
    const caretColumn = caret.indexOf('^');
    expect(source.slice(caretColumn, caretColumn + 3)).toBe('NOT');
    expect(text).toContain('fix: ');
    expect(text).toMatch(/✖ \d+ errors, \d+ warnings? in 2 migrations/);
  });

  it('puts the caret of a syntax error under the offending token', () => {
    const lines = renderReview(report, 'text', { color: false }).split('\n');
    const at = lines.findIndex((l) => l.includes('syntax-error'));
    const source = lines[at + 1]!;
    const caret = lines[at + 2]!;
    expect(source.slice(caret.indexOf('^'), caret.indexOf('^') + 5)).toBe('WHERE');
  });

  it('uses colors only when asked', () => {
    expect(renderReview(report, 'text', { color: true })).toMatch(ANSI);
    expect(renderReview(clean, 'text', { color: false })).toContain('✓ no findings');
  });
});

describe('json', () => {
  it('is the report, in the contract shape', () => {
    const parsed = JSON.parse(renderReview(report, 'json', { color: false }));
    expect(parsed).toEqual(JSON.parse(JSON.stringify(report)));
    for (const migration of parsed.migrations) {
      expect(typeof migration.tag).toBe('string');
      expect(typeof migration.file).toBe('string');
      for (const statement of migration.statements) {
        expect(statement).toMatchObject({
          index: expect.any(Number),
          line: expect.any(Number),
          sql: expect.any(String),
          class: expect.stringMatching(/^(safe|locking|destructive)$/),
        });
        for (const finding of statement.findings) {
          expect(finding).toMatchObject({
            rule: expect.any(String),
            severity: expect.stringMatching(/^(error|warning)$/),
            message: expect.any(String),
            fix: expect.any(String),
          });
        }
      }
    }
    expect(parsed.summary).toEqual(report.summary);
  });
});

describe('junit', () => {
  it('is valid XML with a suite per migration and failures for errors', () => {
    const xml = renderReview(report, 'junit', { color: false });
    const doc = create(xml).end({ format: 'object' }) as any;
    const suites = doc.testsuites.testsuite;
    expect(suites).toHaveLength(2);
    expect(suites[0]['@name']).toBe('0001_risky');
    const failures = suites.reduce((n: number, s: any) => n + Number(s['@failures']), 0);
    expect(failures).toBe(report.summary.errors);
    expect(Number(doc.testsuites['@tests'])).toBe(report.summary.errors + report.summary.warnings);
    const cleanXml = create(renderReview(clean, 'junit', { color: false })).end({ format: 'object' }) as any;
    expect(cleanXml.testsuites.testsuite['@tests']).toBe('1');
  });
});

describe('github', () => {
  it('emits one well-formed workflow command per finding', () => {
    const out = renderReview(report, 'github', { color: false }).trimEnd().split('\n');
    const commands = out.filter((l) => l.startsWith('::'));
    expect(commands).toHaveLength(report.summary.errors + report.summary.warnings);
    for (const line of commands) {
      expect(line).toMatch(/^::(error|warning) file=[^,:]+,line=\d+(,col=\d+)?,title=[^,:]+::\S.*$/);
    }
    expect(commands.some((l) => l.startsWith('::error file=drizzle/0001_risky.sql,line=1,'))).toBe(true);
    expect(commands.join('\n')).toContain('%0Afix: ');
    // machine formats keep stdout to themselves: every line is a workflow command; the summary is the command's stderr line
    expect(out.every((l) => l.startsWith('::'))).toBe(true);
    expect(reviewSummaryLine(report)).toMatch(/^dbctl review: \d+ errors, \d+ warnings? in 2 migrations$/);
  });
});

describe('markdown', () => {
  it('renders a findings table for a pull-request comment', () => {
    const md = renderReview(report, 'markdown', { color: false });
    expect(md).toMatch(/^### ❌ dbctl review: \d+ errors/);
    expect(md).toContain('| Severity | Migration | Line | Rule | Finding |');
    const rows = md.split('\n').filter((l) => l.startsWith('| ❌') || l.startsWith('| ⚠️'));
    expect(rows).toHaveLength(report.summary.errors + report.summary.warnings);
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length).toBe(7);
    expect(md).toContain('```sql');
    expect(renderReview(clean, 'markdown', { color: false })).toContain('✅');
  });
});

it('every format renders', () => {
  for (const format of REVIEW_FORMATS) expect(renderReview(report, format, { color: false }).length).toBeGreaterThan(0);
});
