/**
 * Nothing blocking or destructive goes unsaid: every statement of the review corpora
 * (test/fixtures/review, test/fixtures/review-agreement, and the rule fixtures' SQL) that the
 * classification calls locking or destructive on an existing table gets at least one error.
 */
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { ReviewReport } from '../../../src/review/types.js';
import { review } from './support.js';

const fixtures = new URL('../../fixtures/', import.meta.url);

async function sqlFiles(dir: string): Promise<{ name: string; sql: string }[]> {
  const url = new URL(`${dir}/`, fixtures);
  const names = (await readdir(url)).filter((f) => f.endsWith('.sql')).sort();
  return Promise.all(names.map(async (name) => ({ name, sql: await readFile(new URL(name, url), 'utf8') })));
}

/** Statements classed locking/destructive without an error finding. */
function unsaid(report: ReviewReport): string[] {
  return report.migrations.flatMap((m) =>
    m.statements
      .filter((s) => s.class !== 'safe' && !s.findings.some((f) => f.severity === 'error'))
      .map((s) => `${m.file}:${s.line} ${s.class}: ${s.summary}`),
  );
}

describe('no blocking or destructive statement without a finding', () => {
  it('test/fixtures/review (reviewed in order)', async () => {
    const files = await sqlFiles('review');
    // without its suppression directives: a suppressed finding was said, and accepted
    const report = await review(files.map((f) => f.sql.replace(/^-- dbctl-ignore.*$/gm, '')));
    expect(unsaid(report)).toEqual([]);
  });

  it('test/fixtures/review-agreement (each case after the base migration)', async () => {
    const [base, ...cases] = await sqlFiles('review-agreement');
    expect(base!.name).toBe('0000_base.sql');
    let classified = 0;
    for (const c of cases) {
      const report = await review(c.sql, { context: [base!.sql] });
      classified += report.migrations[0]!.statements.filter((s) => s.class !== 'safe').length;
      expect(unsaid(report), c.name).toEqual([]);
    }
    expect(classified).toBeGreaterThan(20);
  });

  it('the same cases applied by drizzle-kit', async () => {
    const [base, ...cases] = await sqlFiles('review-agreement');
    for (const c of cases) expect(unsaid(await review(c.sql, { context: [base!.sql], appliedByDbctl: false })), c.name).toEqual([]);
  });

  it('a statement that blocks nothing and destroys nothing on an existing table has no error', async () => {
    const [base] = await sqlFiles('review-agreement');
    for (const sql of [
      'ALTER TABLE "users" ADD COLUMN "bio" text;',
      'VACUUM (FULL false) "users";',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "users_age_idx" ON "users" ("age");',
      'ALTER TABLE "users" ALTER COLUMN "created_at" SET DATA TYPE timestamp(6);',
      'ALTER TABLE "events" DETACH PARTITION "events_2024" CONCURRENTLY;',
      'CREATE TABLE "t" ("id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY, "payload" jsonb);',
    ]) {
      const report = await review(sql, { context: [base!.sql] });
      expect(report.summary.errors, sql).toBe(0);
    }
  });
});
