/**
 * The contract refuses a migration that ends its own transaction "unless it is written for dbctl's
 * non-transactional handling". drizzle-kit users reach CREATE INDEX CONCURRENTLY by ending
 * drizzle-kit's transaction first (`COMMIT;--> statement-breakpoint`) and often opening one again
 * after it (drizzle-orm issue 860): dbctl draws those boundaries itself, so it does not run them and
 * applies the migration; the rows are untouched. Any other COMMIT is still refused before anything
 * runs, the database unchanged.
 */
import { describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { testProject, type TestProject } from '../support/project.js';

const HACK = [
  'ALTER TABLE "t" ADD COLUMN "w" text;',
  'COMMIT;',
  'CREATE INDEX CONCURRENTLY "t_v_idx" ON "t" ("v");',
  'BEGIN;',
  'ALTER TABLE "t" ADD COLUMN "x" text;',
];

async function withRows(): Promise<{ db: TestDatabase; project: TestProject }> {
  const db = await testDatabase('txcontrol');
  const project = await testProject(db.url);
  await project.addMigration({ name: 't', sql: ['CREATE TABLE "t" ("id" serial PRIMARY KEY, "v" text);'] });
  expect((await project.dbctl(['migrate'])).code).toBe(0);
  await db.sql`insert into t (v) select 'v' || g from generate_series(1, 1000) g`;
  return { db, project };
}

async function digest(db: TestDatabase): Promise<string> {
  const [row] = await db.sql`select md5(string_agg(id || ':' || v, ',' order by id)) as h from t`;
  return row!.h;
}

async function indexes(db: TestDatabase): Promise<string[]> {
  const rows = await db.sql`select c.relname, i.indisvalid from pg_index i join pg_class c on c.oid = i.indexrelid
    where i.indrelid = 't'::regclass order by 1`;
  return rows.map((r) => `${r.relname}${r.indisvalid ? '' : ' (invalid)'}`);
}

describe("COMMIT / BEGIN written to leave drizzle-kit's transaction for CREATE INDEX CONCURRENTLY", () => {
  it('are not run: the migration applies, the index is valid, the rows are unchanged', async () => {
    const { db, project } = await withRows();
    const before = await digest(db);
    const tag = await project.addMigration({ name: 'concurrently', sql: HACK });

    const dry = await project.dbctl(['migrate', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('not run: dbctl ends or opens its transaction here itself');

    const run = await project.dbctl(['migrate', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({ status: 'ok', applied: [{ tag }] });
    expect(await indexes(db)).toEqual(['t_pkey', 't_v_idx']);
    const columns = await db.sql`select column_name from information_schema.columns where table_name = 't' order by 1`;
    expect(columns.map((c) => c.column_name)).toEqual(['id', 'v', 'w', 'x']);
    expect(await digest(db)).toBe(before);
    const status = await project.dbctl(['status', '--json']);
    expect(status.code).toBe(0);
    const [recorded] = await db.sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
    expect(recorded!.n).toBe(2);

    // review, applied by dbctl: nothing to say about them; applied by drizzle-kit they end its transaction
    const review = await project.dbctl(['review', tag, '--format', 'json']);
    expect(review.stdout).not.toContain('transaction-nesting');
    expect(review.stdout).not.toContain('ban-concurrent-index-creation-in-transaction');
    const byKit = await project.dbctl(['review', tag, '--format', 'json', '--applied-by', 'drizzle-kit']);
    expect(byKit.stdout).toContain('transaction-nesting');
    expect(byKit.stdout).not.toContain('ban-concurrent-index-creation-in-transaction');
  });

  it.each([
    ['COMMIT AND CHAIN before it', ['COMMIT AND CHAIN;', 'CREATE INDEX CONCURRENTLY "t_v_idx" ON "t" ("v");']],
    ['a COMMIT sharing its chunk', ['COMMIT;\nCREATE INDEX CONCURRENTLY "t_v_idx" ON "t" ("v");']],
    ['a COMMIT before a statement that runs in the transaction', ['DELETE FROM "t";', 'COMMIT;', 'ALTER TABLE "t" ADD COLUMN "x" text;']],
  ])('anything else is refused before it runs, the database unchanged: %s', async (_what, sql) => {
    const { db, project } = await withRows();
    const before = await digest(db);
    const tag = await project.addMigration({ name: 'control', sql });
    const run = await project.dbctl(['migrate', '--json']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.json()).toMatchObject({ status: 'failed', applied: [], error: { tag, code: 'TRANSACTION_CONTROL' } });
    expect(await digest(db)).toBe(before);
    expect(await indexes(db)).toEqual(['t_pkey']);
  });
});
