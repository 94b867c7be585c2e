/**
 * The review engine: report shape, syntax errors, empty and huge files, suppression directives,
 * severity overrides, database facts, cross-migration context.
 */
import { describe, expect, it } from 'vitest';
import { MAX_REPORTED_SQL } from '../../../src/review/engine.js';
import { allFindings, findingsOf, firedRules, review } from './support.js';

const CONTEXT = ['CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "name" varchar(50), "email" text, "age" integer);'];

describe('report shape', () => {
  it('matches the contract: migrations[].statements[] with index, line, sql, class, findings; summary', async () => {
    const report = await review(
      'CREATE TABLE IF NOT EXISTS "a" ("id" bigint);\n--> statement-breakpoint\nALTER TABLE "users" DROP COLUMN IF EXISTS "age";--> statement-breakpoint\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "i" ON "users" ("email");',
      { context: CONTEXT },
    );
    expect(report.migrations).toHaveLength(1);
    const [migration] = report.migrations;
    expect(migration).toMatchObject({ tag: '0000_m', file: 'drizzle/0000_m.sql' });
    expect(migration!.statements.map((s) => [s.index, s.line, s.class])).toEqual([
      [0, 1, 'safe'],
      [1, 3, 'destructive'],
      [2, 4, 'safe'],
    ]);
    expect(migration!.statements[1]!.sql).toBe('ALTER TABLE "users" DROP COLUMN IF EXISTS "age"');
    const finding = migration!.statements[1]!.findings[0]!;
    expect(Object.keys(finding)).toEqual(expect.arrayContaining(['rule', 'severity', 'message', 'fix']));
    expect(finding.rule).toBe('ban-drop-column');
    expect(report.summary).toEqual({ errors: 1, warnings: 0 });
    expect(migration!.statements[2]!.transactional).toBe(false);
    expect(migration!.statements[1]!.lock).toContain('ACCESS EXCLUSIVE');
  });

  it('counts errors and warnings over all migrations', async () => {
    const report = await review(['DROP TABLE "a";', 'CREATE TABLE "t" ("c" char(2));', 'TRUNCATE "b";']);
    expect(report.summary).toEqual({ errors: 2, warnings: 1 });
  });
});

describe('syntax errors, empty and large files', () => {
  it('reports a syntax error as a finding with line and column, and reviews the rest', async () => {
    const sql =
      'ALTER TABLE "users" DROP COLUMN "age";\n--> statement-breakpoint\nALTER TABLE "users"\n  ADD COLUMN;\n--> statement-breakpoint\nDROP TABLE "users";';
    const report = await review(sql, { context: CONTEXT });
    const [syntax] = findingsOf(report, 'syntax-error');
    expect(syntax).toMatchObject({ severity: 'error', line: 4, column: 13 });
    expect(syntax!.message).toContain('syntax error at or near ";"');
    expect(firedRules(report)).toEqual(new Set(['syntax-error', 'ban-drop-column', 'ban-drop-table']));
    expect(report.migrations[0]!.statements[1]!.class).toBe('safe');
  });

  it('handles an empty file and a comment-only file', async () => {
    for (const sql of ['', '\n\n', '-- just a note\n/* and a block */\n--> statement-breakpoint\n']) {
      const report = await review(sql);
      expect(report.migrations[0]!.statements).toEqual([]);
      expect(report.summary).toEqual({ errors: 0, warnings: 0 });
    }
  });

  it('reviews a ~5 MB data migration in reasonable time', async () => {
    const rows: string[] = [];
    for (let i = 0, size = 0; size < 2_500_000; i++) {
      rows.push(`(${i}, 'name ${i} — ünïcode', 'a longer description for row ${i}', now())`);
      size += rows[i]!.length + 2;
    }
    const insert = `INSERT INTO "items" ("id", "name", "description", "created_at") VALUES\n${rows.join(',\n')};`;
    const singles = rows
      .slice(0, 20_000)
      .map((r) => `INSERT INTO "items" ("id", "name", "description", "created_at") VALUES ${r};`)
      .join('\n');
    const sql = `CREATE TABLE "items" ("id" bigint PRIMARY KEY, "name" text, "description" text, "created_at" timestamptz);\n--> statement-breakpoint\n${insert}\n--> statement-breakpoint\n${singles}`;
    expect(sql.length).toBeGreaterThan(4_500_000);
    const started = Date.now();
    const report = await review(sql);
    const elapsed = Date.now() - started;
    const statements = report.migrations[0]!.statements;
    expect(statements).toHaveLength(2 + 20_000);
    expect(report.summary.errors).toBe(0);
    expect(statements[1]!.sql.length).toBeLessThan(MAX_REPORTED_SQL + 100);
    expect(statements[1]!.sql).toContain('more characters');
    expect(statements[20_001]!.line).toBe(sql.slice(0, sql.lastIndexOf('INSERT')).split('\n').length);
    expect(elapsed).toBeLessThan(45_000);
  }, 60_000);

  it('points at the right column in lines with non-ASCII characters', async () => {
    const report = await review(`UPDATE "café" SET "note" = 'déjà vu';`, { context: ['CREATE TABLE "café" ("note" text);'] });
    const [finding] = findingsOf(report, 'mutation-without-where');
    expect(finding).toMatchObject({ line: 1, column: 8 });
  });
});

describe('suppression directives', () => {
  it('-- dbctl-ignore suppresses that rule on the next statement only', async () => {
    const sql =
      '-- dbctl-ignore ban-drop-column: data moved to archive.users_age\nALTER TABLE "users" DROP COLUMN "age";\nALTER TABLE "users" DROP COLUMN "name";';
    const report = await review(sql, { context: CONTEXT });
    const drops = findingsOf(report, 'ban-drop-column');
    expect(drops).toHaveLength(1);
    expect(drops[0]!.message).toContain('users.name');
    expect(findingsOf(report, 'unused-ignore')).toEqual([]);
  });

  it('works across a drizzle breakpoint and with several ids', async () => {
    const sql =
      'CREATE TABLE "x" ("id" bigint);--> statement-breakpoint\n-- dbctl-ignore ban-drop-column, rename-as-drop-and-add: not a rename\nALTER TABLE "users" DROP COLUMN "age", ADD COLUMN "years" integer;';
    const report = await review(sql, { context: CONTEXT });
    expect(findingsOf(report, 'ban-drop-column')).toEqual([]);
    expect(findingsOf(report, 'rename-as-drop-and-add')).toEqual([]);
    expect(findingsOf(report, 'unused-ignore')).toEqual([]);
  });

  it('-- dbctl-ignore-file suppresses a rule in the whole file, from anywhere in it', async () => {
    const sql =
      'ALTER TABLE "users" DROP COLUMN "age";\nALTER TABLE "users" DROP COLUMN "name";\n-- dbctl-ignore-file ban-drop-column: cleanup release';
    const report = await review(sql, { context: CONTEXT });
    expect(findingsOf(report, 'ban-drop-column')).toEqual([]);
    expect(findingsOf(report, 'unused-ignore')).toEqual([]);
  });

  it('a misplaced ignore suppresses nothing and is reported', async () => {
    const sql =
      '-- dbctl-ignore ban-drop-column: meant for the drop\nALTER TABLE "users" ADD COLUMN "x" text;\nALTER TABLE "users" DROP COLUMN "age";';
    const report = await review(sql, { context: CONTEXT });
    expect(findingsOf(report, 'ban-drop-column')).toHaveLength(1);
    expect(findingsOf(report, 'unused-ignore')).toMatchObject([{ severity: 'warning', line: 1, column: 1 }]);
  });

  it('an unused file-level ignore and an ignore after the last statement are reported', async () => {
    const report = await review(
      'ALTER TABLE "users" ADD COLUMN "x" text;\n-- dbctl-ignore-file ban-drop-table\n-- dbctl-ignore ban-drop-column\n',
      { context: CONTEXT },
    );
    expect(findingsOf(report, 'unused-ignore')).toHaveLength(2);
  });

  it('unknown rule ids are findings with a suggestion', async () => {
    const report = await review('-- dbctl-ignore-file adding-foriegn-key-constraint\nALTER TABLE "users" ADD COLUMN "x" text;');
    const [unknown] = findingsOf(report, 'unknown-rule');
    expect(unknown!.message).toContain('adding-foreign-key-constraint');
  });

  it('a directive in a file without statements is a file-level finding', async () => {
    const report = await review('-- dbctl-ignore-file no-such-rule\n');
    expect(report.migrations[0]!.findings).toMatchObject([{ rule: 'unknown-rule', line: 1 }]);
    expect(report.summary.warnings).toBe(1);
  });

  it('text that looks like a directive inside a string literal is not one', async () => {
    const sql = `INSERT INTO "notes" ("body") VALUES ('\n-- dbctl-ignore ban-drop-table\n');\nDROP TABLE "users";`;
    const report = await review(sql, { context: CONTEXT });
    expect(findingsOf(report, 'ban-drop-table')).toHaveLength(1);
    expect(findingsOf(report, 'unused-ignore')).toEqual([]);
  });

  it('an ignore of a rule switched off is not reported as unused', async () => {
    const report = await review('-- dbctl-ignore prefer-text-field: legacy\nCREATE TABLE "t" ("a" text);', {
      rules: { 'prefer-text-field': 'off' },
    });
    expect(allFindings(report)).toEqual([]);
  });
});

describe('severity overrides', () => {
  it('changes a rule severity, or turns it off', async () => {
    const sql = 'ALTER TABLE "users" DROP COLUMN "age";\nCREATE TABLE "t" ("c" char(2));';
    const base = await review(sql, { context: CONTEXT });
    expect(base.summary).toEqual({ errors: 1, warnings: 1 });
    const downgraded = await review(sql, { context: CONTEXT, rules: { 'ban-drop-column': 'warning', 'ban-char-field': 'error' } });
    expect(findingsOf(downgraded, 'ban-drop-column')[0]!.severity).toBe('warning');
    expect(findingsOf(downgraded, 'ban-char-field')[0]!.severity).toBe('error');
    expect(downgraded.summary).toEqual({ errors: 1, warnings: 1 });
    const off = await review(sql, { context: CONTEXT, rules: { 'ban-drop-column': 'off' } });
    expect(findingsOf(off, 'ban-drop-column')).toEqual([]);
    expect(off.summary).toEqual({ errors: 0, warnings: 1 });
  });

  it('applies to engine findings too', async () => {
    const report = await review('SELEC 1;', { rules: { 'syntax-error': 'warning' } });
    expect(report.summary).toEqual({ errors: 0, warnings: 1 });
  });
});

describe('database facts', () => {
  const sql = 'CREATE INDEX "users_email_idx" ON "users" ("email");';
  it('downgrades a lock on a small table to a warning and shows the estimate', async () => {
    const report = await review(sql, { context: CONTEXT, facts: { tables: { 'public.users': { rows: 120, bytes: 16_384 } } } });
    const [finding] = findingsOf(report, 'require-concurrent-index-creation');
    expect(finding!.severity).toBe('warning');
    expect(finding!.message).toContain('~120 rows, 16 kB');
    expect(finding!.estimate).toEqual({ table: 'public.users', rows: 120, bytes: 16_384 });
  });
  it('says so for a large table', async () => {
    const report = await review(sql, {
      context: CONTEXT,
      facts: { tables: { 'public.users': { rows: 20_000_000, bytes: 3.2 * 1024 ** 3 } } },
    });
    const [finding] = findingsOf(report, 'require-concurrent-index-creation');
    expect(finding!.severity).toBe('error');
    expect(finding!.message).toContain('is large (~20M rows, 3.2 GB)');
  });
  it('leaves data-loss findings alone', async () => {
    const report = await review('ALTER TABLE "users" DROP COLUMN "age";', {
      context: CONTEXT,
      facts: { tables: { 'public.users': { rows: 5, bytes: 8192 } } },
    });
    expect(findingsOf(report, 'ban-drop-column')[0]!.severity).toBe('error');
  });
  it('ignores unknown estimates (never analyzed: -1)', async () => {
    const report = await review(sql, { context: CONTEXT, facts: { tables: { 'public.users': { rows: -1, bytes: 8192 } } } });
    expect(findingsOf(report, 'require-concurrent-index-creation')[0]!.severity).toBe('error');
  });
});

describe('context across migrations', () => {
  it('knows column types from earlier migrations (reviewed or context-only)', async () => {
    const widen = 'ALTER TABLE "users" ALTER COLUMN "name" SET DATA TYPE text;';
    expect(findingsOf(await review(widen, { context: CONTEXT }), 'changing-column-type')).toEqual([]);
    expect(findingsOf(await review([CONTEXT[0]!, widen]), 'changing-column-type')).toEqual([]);
    expect(findingsOf(await review(widen), 'changing-column-type')).toHaveLength(1);
  });
  it('tracks renames', async () => {
    const report = await review(
      [
        'ALTER TABLE "users" RENAME COLUMN "name" TO "full_name";',
        'ALTER TABLE "users" ALTER COLUMN "full_name" SET DATA TYPE varchar(80);',
      ],
      { context: CONTEXT },
    );
    expect(findingsOf(report, 'changing-column-type')).toEqual([]);
  });
  it('does not report context migrations', async () => {
    const report = await review('SELECT 1;', { context: ['DROP TABLE "x";'] });
    expect(allFindings(report)).toEqual([]);
    expect(report.migrations).toHaveLength(1);
  });
});

describe('validateRuleSettings', () => {
  it('reports unknown ids with a suggestion and bad values', async () => {
    const { validateRuleSettings } = await import('../../../src/review/engine.js');
    expect(validateRuleSettings({ 'ban-drop-column': 'off', 'prefer-text-fields': 'warning', 'ban-char-field': 'loud' })).toEqual([
      {
        rule: 'prefer-text-fields',
        message: 'review.rules names an unknown rule `prefer-text-fields` (did you mean `prefer-text-field`?)',
      },
      { rule: 'ban-char-field', message: 'review.rules.ban-char-field must be "error", "warning" or "off" (got "loud")' },
    ]);
  });
});

describe("drizzle's rename answers (answeredCreate given as a function)", () => {
  it('are asked for once, only for a migration where a rule suspects a rename, and are used', async () => {
    const asked: string[] = [];
    const answer = (tag: string, answers: string[]) => () => {
      asked.push(tag);
      return answers;
    };
    const migrations = [
      'ALTER TABLE "users" ADD COLUMN "x" text;',
      'ALTER TABLE "users" DROP COLUMN "name", ADD COLUMN "full_name" varchar(50), ADD COLUMN "nick" varchar(20);',
    ];
    const answered = await review(migrations, {
      context: CONTEXT,
      answeredCreate: [answer('0000_m', []), answer('0001_m', ['public.users.full_name', 'public.users.nick'])],
    });
    expect(asked).toEqual(['0001_m']);
    expect(findingsOf(answered, 'rename-as-drop-and-add')).toEqual([]);
    const unanswered = await review(migrations, { context: CONTEXT, answeredCreate: [undefined, () => []] });
    expect(findingsOf(unanswered, 'rename-as-drop-and-add')).toHaveLength(2);
  });
});
