/**
 * Many replicas, blocked locks, the migration lock's wait, and sharing a database with drizzle-kit.
 */
import { describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { testProject, type TestProject } from '../support/project.js';
import { lockKeys } from '../../src/io/lock.js';

let db: TestDatabase;
let project: TestProject;

describe('concurrent and blocked runs', () => {
  it('8 concurrent dbctl migrate processes apply each migration exactly once', async () => {
    db = await testDatabase('replicas');
    project = await testProject(db.url);
    await project.addMigration({
      name: 'ledger',
      sql: ['CREATE TABLE "ledger" ("migration" text NOT NULL, "at" timestamptz DEFAULT now());'],
    });
    for (let i = 1; i <= 5; i++) {
      // a slow data migration: applied twice it would leave two rows
      await project.addMigration({
        name: `data_${i}`,
        sql: [`SELECT pg_sleep(0.2);`, `INSERT INTO "ledger" ("migration") VALUES ('data_${i}');`],
      });
    }
    const runs = await Promise.all(Array.from({ length: 8 }, () => project.dbctl(['migrate', '--json', '--wait', '60s'])));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const appliedTags = runs.flatMap((r) => r.json().applied.map((a: { tag: string }) => a.tag));
    expect(appliedTags.sort()).toEqual(['0000_ledger', '0001_data_1', '0002_data_2', '0003_data_3', '0004_data_4', '0005_data_5']);
    expect(runs.filter((r) => r.json().status === 'nothing-pending').length).toBe(7);
    const ledger = await db.sql`select migration, count(*)::int as n from ledger group by migration order by migration`;
    expect(ledger.map((r) => [r.migration, r.n])).toEqual([1, 2, 3, 4, 5].map((i) => [`data_${i}`, 1]));
    const rows = await db.sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
    expect(rows[0]!.n).toBe(6);
  });

  it('exits 5 when another run holds the migration lock for longer than --wait, naming it', async () => {
    db = await testDatabase('lockwait');
    project = await testProject(db.url);
    await project.addMigration({ name: 'a', sql: ['CREATE TABLE "a" (id int);'] });
    const holder = postgres(db.url, { max: 1, connection: { application_name: 'other replica' } });
    const [k1, k2] = lockKeys('drizzle.__drizzle_migrations');
    await holder`select pg_advisory_lock(${k1}::int, ${k2}::int)`;
    try {
      const run = await project.dbctl(['migrate', '--wait', '1s', '--json']);
      expect(run.code).toBe(5);
      expect(run.stderr).toContain('other replica');
      expect(run.json().status).toBe('failed');
    } finally {
      await holder.end();
    }
    expect((await project.dbctl(['migrate'])).code).toBe(0);
  });

  it('gives up on a lock held by another session after bounded retries, names the blocker, and never stalls other queries beyond lock_timeout', async () => {
    db = await testDatabase('blocked');
    project = await testProject(db.url);
    await project.addMigration({
      name: 'accounts',
      sql: [
        'CREATE TABLE "accounts" ("id" serial PRIMARY KEY, "balance" int NOT NULL DEFAULT 0);',
        'INSERT INTO "accounts" ("balance") SELECT g FROM generate_series(1, 100) g;',
      ],
    });
    expect((await project.dbctl(['migrate'])).code).toBe(0);
    await project.addMigration({ name: 'add_note', sql: ['ALTER TABLE "accounts" ADD COLUMN "note" text;'] });

    // a long transaction that read the table and sits idle: it holds ACCESS SHARE
    const blocker = postgres(db.url, { max: 1, connection: { application_name: 'report job' } });
    const app = postgres(db.url, { max: 4 });
    const reserved = await blocker.reserve();
    const [{ pid }] = (await reserved`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
    await reserved`begin`;
    await reserved`select count(*) from accounts`;

    const lockTimeoutMs = 400;
    const latencies: number[] = [];
    let running = true;
    const appLoad = (async () => {
      while (running) {
        const t0 = performance.now();
        await app`select sum(balance) from accounts`;
        latencies.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const run = await project.dbctl(['migrate', '--lock-timeout', `${lockTimeoutMs}ms`, '--json']);
    running = false;
    await appLoad;
    await reserved`rollback`;
    reserved.release();
    await blocker.end();
    await app.end();

    expect(run.code).toBe(1);
    expect(run.json().status).toBe('failed');
    expect(run.json().error.tag).toBe('0001_add_note');
    expect(run.stderr).toContain(`pid ${pid}`);
    expect(run.stderr).toContain('report job');
    expect(run.stderr).toContain('select count(*) from accounts');
    expect(run.stderr.match(/retry \d/g)?.length).toBe(3);
    expect(latencies.length).toBeGreaterThan(10);
    expect(Math.max(...latencies)).toBeLessThan(lockTimeoutMs + 100);
    const [column] =
      await db.sql`select count(*)::int as n from information_schema.columns where table_name = 'accounts' and column_name = 'note'`;
    expect(column!.n).toBe(0);
    // once the blocker is gone, the same command goes through
    expect((await project.dbctl(['migrate'])).code).toBe(0);
  });
});

describe('drizzle-kit interop', () => {
  it('drizzle-kit migrate, then dbctl, then drizzle-kit again on one database: each applies only what is new', async () => {
    db = await testDatabase('interop');
    project = await testProject(db.url);
    await project.addMigration({ name: 'one', sql: ['CREATE TABLE "one" (id int);'] });
    const kit = await project.drizzleKit(['migrate']);
    expect(kit.code, kit.stderr + kit.stdout).toBe(0);

    await project.addMigration({ name: 'two', sql: ['CREATE TABLE "two" (id int);'] });
    const status = await project.dbctl(['status', '--json']);
    expect(status.json().migrations.map((m: { state: string }) => m.state)).toEqual(['applied', 'pending']);
    const run = await project.dbctl(['migrate', '--json']);
    expect(run.json().applied.map((a: { tag: string }) => a.tag)).toEqual(['0001_two']);

    // drizzle-kit sees dbctl's rows as its own: nothing to re-apply, and a new one applies
    await project.addMigration({ name: 'three', sql: ['CREATE TABLE "three" (id int);'] });
    const kit2 = await project.drizzleKit(['migrate']);
    expect(kit2.code, kit2.stderr + kit2.stdout).toBe(0);
    const rows = await db.sql`select hash, created_at from drizzle.__drizzle_migrations order by id`;
    expect(rows.length).toBe(3);
    const final = await project.dbctl(['status', '--json']);
    expect(final.code).toBe(0);
    expect(final.json().summary).toMatchObject({ applied: 3, pending: 0, unknown: 0, modified: 0 });
  });
});
