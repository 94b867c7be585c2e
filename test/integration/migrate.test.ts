/**
 * dbctl migrate and status against a real PostgreSQL: ordering, checksums, non-transactional
 * statements, failures, and the rows drizzle reads.
 */
import { describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { testProject, type TestProject } from '../support/project.js';

let db: TestDatabase;
let project: TestProject;

async function setup(): Promise<void> {
  db = await testDatabase('migrate');
  project = await testProject(db.url);
}

const createUsers = ['CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text NOT NULL);'];

describe('dbctl migrate', () => {
  it('applies pending migrations, records drizzle rows and history, then has nothing pending', async () => {
    await setup();
    await project.addMigration({ name: 'users', sql: createUsers });
    await project.addMigration({
      name: 'posts',
      sql: ['CREATE TABLE "posts" ("id" serial PRIMARY KEY);', 'ALTER TABLE "posts" ADD COLUMN "title" text;'],
    });

    const first = await project.dbctl(['migrate', '--json']);
    expect(first.stderr).not.toContain('Error:');
    expect(first.code).toBe(0);
    const doc = first.json();
    expect(doc.status).toBe('ok');
    expect(doc.env).toBe('development');
    expect(doc.applied.map((a: { tag: string }) => a.tag)).toEqual(['0000_users', '0001_posts']);
    expect(doc.applied[0]).toMatchObject({ backup: null, outOfOrder: false });
    expect(typeof doc.applied[0].ms).toBe('number');
    expect(doc.pending).toEqual([]);

    const rows = await db.sql`select hash, created_at from drizzle.__drizzle_migrations order by id`;
    const journal = await project.journal();
    expect(rows.map((r) => Number(r.created_at))).toEqual(journal.entries.map((e) => e.when));
    const history =
      await db.sql`select tag, outcome, dbctl_version, run_by, hostname, duration_ms from dbctl.migration_history order by id`;
    expect(history.map((h) => [h.tag, h.outcome])).toEqual([
      ['0000_users', 'applied'],
      ['0001_posts', 'applied'],
    ]);
    expect(history[0]!.run_by).toBe('postgres');

    const again = await project.dbctl(['migrate', '--json']);
    expect(again.code).toBe(0);
    expect(again.json()).toEqual({ env: 'development', applied: [], pending: [], status: 'nothing-pending' });

    const status = await project.dbctl(['status', '--json']);
    expect(status.code).toBe(0);
    expect(status.json().summary).toMatchObject({ applied: 2, pending: 0, failed: 0, modified: 0, unknown: 0 });
  });

  it('applies a migration merged from an older branch and reports it out of order', async () => {
    await setup();
    await project.addMigration({ name: 'a', sql: createUsers, when: 1_000 });
    await project.addMigration({ name: 'c', sql: ['CREATE TABLE "c" (id int);'], when: 3_000 });
    expect((await project.dbctl(['migrate'])).code).toBe(0);
    // a branch merged later brings a migration generated before 0001_c
    await project.addMigration({ name: 'b', sql: ['CREATE TABLE "b" (id int);'], when: 2_000 });
    const status = await project.dbctl(['status', '--json']);
    expect(status.json().migrations.find((m: { tag: string }) => m.tag === '0002_b')).toMatchObject({ state: 'pending', outOfOrder: true });
    const run = await project.dbctl(['migrate', '--json']);
    expect(run.code).toBe(0);
    expect(run.json().applied).toEqual([expect.objectContaining({ tag: '0002_b', outOfOrder: true })]);
    const [b] = await db.sql`select to_regclass('public.b') as t`;
    expect(b!.t).toBe('b');
  });

  it('stops before anything runs when an applied migration was modified or the database has an unknown one', async () => {
    await setup();
    const tag = await project.addMigration({ name: 'users', sql: createUsers });
    expect((await project.dbctl(['migrate'])).code).toBe(0);
    const { writeFile, appendFile } = await import('node:fs/promises');
    await appendFile(`${project.out}/${tag}.sql`, '\n-- edited after it was applied\n');
    await project.addMigration({ name: 'next', sql: ['CREATE TABLE "next" (id int);'] });

    const status = await project.dbctl(['status']);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/modified\s+0000_users/);

    const run = await project.dbctl(['migrate', '--json']);
    expect(run.code).toBe(1);
    expect(run.json()).toMatchObject({ status: 'failed', applied: [], error: { tag: '0000_users' } });
    expect(run.stderr).toContain('modified');
    const [next] = await db.sql`select to_regclass('public.next') as t`;
    expect(next!.t).toBeNull();

    // restore the file; add a row the folder does not know
    await writeFile(`${project.out}/${tag}.sql`, createUsers.join('\n--> statement-breakpoint\n'));
    await db.sql`insert into drizzle.__drizzle_migrations (hash, created_at) values ('deadbeef', 42)`;
    const unknown = await project.dbctl(['migrate']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown/);
    expect((await project.dbctl(['status', '--json'])).json().unknown).toEqual([
      expect.objectContaining({ hash: 'deadbeef', createdAt: 42 }),
    ]);
  });

  it('runs CREATE INDEX CONCURRENTLY outside a transaction and uses an enum value added in the same migration', async () => {
    await setup();
    await project.addMigration({
      name: 'users',
      sql: [...createUsers, `CREATE TYPE "mood" AS ENUM ('ok');`, 'ALTER TABLE "users" ADD COLUMN "mood" "mood";'],
    });
    await project.addMigration({
      name: 'index_and_enum',
      sql: [
        'CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" ("email");',
        `ALTER TYPE "mood" ADD VALUE 'happy';`,
        `UPDATE "users" SET "mood" = 'happy' WHERE "mood" IS NULL;`,
        `ALTER TABLE "users" ALTER COLUMN "mood" SET DEFAULT 'happy';`,
      ],
    });
    const run = await project.dbctl(['migrate']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [index] = await db.sql`select indisvalid from pg_index where indexrelid = 'users_email_idx'::regclass`;
    expect(index!.indisvalid).toBe(true);
    const [column] =
      await db.sql`select column_default from information_schema.columns where table_name = 'users' and column_name = 'mood'`;
    expect(column!.column_default).toBe(`'happy'::mood`);
  });

  it('stops at a failing migration, keeps the earlier ones, and shows the SQL error with its position', async () => {
    await setup();
    await project.addMigration({ name: 'users', sql: createUsers });
    await project.addMigration({ name: 'broken', sql: ['CREATE TABLE "ok" (id int);', 'ALTER TABLE "users"\n  ADD COLUMN "age" integr;'] });
    await project.addMigration({ name: 'later', sql: ['CREATE TABLE "later" (id int);'] });
    const run = await project.dbctl(['migrate', '--json']);
    expect(run.code).toBe(1);
    const doc = run.json();
    expect(doc.status).toBe('failed');
    expect(doc.applied.map((a: { tag: string }) => a.tag)).toEqual(['0000_users']);
    expect(doc.pending).toEqual(['0001_broken', '0002_later']);
    expect(doc.error).toMatchObject({ tag: '0001_broken', message: 'type "integr" does not exist' });
    expect(doc.error.statement).toContain('integr');
    expect(run.stderr).toContain('0001_broken.sql:4');
    expect(run.stderr).toMatch(/\^/);
    expect(run.stderr).toContain('42704');
    // the failed migration's transaction was rolled back: its first statement left nothing
    const [ok] = await db.sql`select to_regclass('public.ok') as t`;
    expect(ok!.t).toBeNull();
    const status = await project.dbctl(['status', '--json']);
    expect(status.json().summary).toMatchObject({ applied: 1, pending: 2, failed: 0 });
  });

  it('records a migration that stopped part-way as failed, refuses to go on, and resolve lets it continue', async () => {
    await setup();
    await project.addMigration({ name: 'users', sql: createUsers });
    await project.addMigration({
      name: 'partial',
      sql: ['CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" ("email");', 'SELECT 1/0;'],
    });
    const run = await project.dbctl(['migrate']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('stopped part-way');
    expect(run.stderr).toContain('dbctl resolve 0001_partial');

    const status = await project.dbctl(['status', '--json']);
    expect(status.code).toBe(1);
    expect(status.json().migrations[1]).toMatchObject({ tag: '0001_partial', state: 'failed' });

    const refused = await project.dbctl(['migrate']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('dbctl resolve 0001_partial');

    expect((await project.dbctl(['resolve', '0001_partial'])).code).toBe(2);
    await db.sql`drop index users_email_idx`;
    const resolved = await project.dbctl(['resolve', '0001_partial', '--rolled-back']);
    expect(resolved.code).toBe(0);
    // still failing: it runs again and stops again
    expect((await project.dbctl(['migrate'])).code).toBe(1);
    const applied = await project.dbctl(['resolve', '0001_partial', '--applied']);
    expect(applied.code).toBe(0);
    const final = await project.dbctl(['status', '--json']);
    expect(final.code).toBe(0);
    expect(final.json().summary).toMatchObject({ applied: 2, failed: 0 });
    const rows = await db.sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
    expect(rows[0]!.n).toBe(2);
  });

  it('--dry-run prints the plan with classes and changes nothing; --to stops at a tag', async () => {
    await setup();
    await project.addMigration({ name: 'users', sql: createUsers });
    await project.addMigration({ name: 'drop', sql: ['ALTER TABLE "users" DROP COLUMN "email";'] });
    const dry = await project.dbctl(['migrate', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    const doc = dry.json();
    expect(doc.pending).toEqual(['0000_users', '0001_drop']);
    expect(doc.plan[1].statements[0].class).toBe('destructive');
    const [t] = await db.sql`select to_regclass('drizzle.__drizzle_migrations') as t`;
    expect(t!.t).toBeNull();

    const to = await project.dbctl(['migrate', '--to', '0000_users', '--json']);
    expect(to.json().applied.map((a: { tag: string }) => a.tag)).toEqual(['0000_users']);
    expect((await project.dbctl(['migrate', '--to', '0009_nope'])).code).toBe(2);
  });

  it('honours the drizzle config migrations table and schema', async () => {
    db = await testDatabase('migrate');
    project = await testProject(db.url, { migrationsTable: 'my_migrations', migrationsSchema: 'meta' });
    await project.addMigration({ name: 'users', sql: createUsers });
    expect((await project.dbctl(['migrate'])).code).toBe(0);
    const rows = await db.sql`select count(*)::int as n from meta.my_migrations`;
    expect(rows[0]!.n).toBe(1);
  });

  it('rejects an inconsistent migrations folder with exit 2', async () => {
    await setup();
    await project.addMigration({ name: 'users', sql: createUsers });
    const { rm, writeFile } = await import('node:fs/promises');
    await rm(`${project.out}/0000_users.sql`);
    const missing = await project.dbctl(['migrate']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('0000_users');
    await writeFile(`${project.out}/meta/_journal.json`, '{ "entries": [ <<<<<<< HEAD');
    const corrupt = await project.dbctl(['status']);
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toContain('_journal.json');
  });
});
