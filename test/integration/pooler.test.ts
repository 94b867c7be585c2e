/**
 * The migration lock against a real PgBouncer (Debian package `pgbouncer`, started by
 * test/support/pgbouncer.ts in front of the test server). Through a transaction pooler every run
 * refuses before applying anything (LOCK_NOT_HELD, naming directUrl) within --wait, and leaves no
 * lock behind; through a session pooler concurrent runs apply each migration exactly once.
 * Each project has a data migration (an INSERT) so that a double application would be visible.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUrl, createTestDatabase, type TestDatabase } from '../support/db.js';
import { createProject, type TestProject } from '../support/project.js';
import { startPgBouncer, type RunningPgBouncer } from '../support/pgbouncer.js';
import type { CliResult } from '../support/cli.js';
import postgres from 'postgres';
import { acquireMigrationLock, assertLockHeld, lockKeys, releaseMigrationLock } from '../../src/io/lock.js';
import { isDbctlError } from '../../src/errors.js';

const WAIT_S = 10;

interface Setup {
  db: TestDatabase;
  project: TestProject;
  tags: string[];
}

/** A database with a ledger table seeded outside dbctl, and a project whose migrations write to it. */
async function setup(pooler: RunningPgBouncer, prefix: string): Promise<Setup> {
  const db = await createTestDatabase(prefix);
  await db.sql`create table ledger (id serial primary key, note text not null)`;
  await db.sql`insert into ledger (note) values ('seed')`;
  const project = await createProject(pooler.urlFor(db.url));
  const tags = [
    await project.addMigration({ name: 'items', sql: ['CREATE TABLE "items" ("id" serial PRIMARY KEY, "name" text);'] }),
    // slow enough that concurrent runs overlap; applied twice it would leave two rows
    await project.addMigration({ name: 'data', sql: ['SELECT pg_sleep(0.3);', `INSERT INTO "ledger" ("note") VALUES ('migrated');`] }),
  ];
  return { db, project, tags };
}

async function runConcurrently(project: TestProject, n: number): Promise<{ runs: CliResult[]; ms: number[] }> {
  const ms: number[] = [];
  const runs = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const t0 = Date.now();
      const run = await project.dbctl(['migrate', '--json', '--wait', `${WAIT_S}s`]);
      ms[i] = Date.now() - t0;
      return run;
    }),
  );
  return { runs, ms };
}

async function ledger(db: TestDatabase): Promise<string[]> {
  return (await db.sql<{ note: string }[]>`select note from ledger order by id`).map((r) => r.note);
}

async function dbctlLocksHeld(db: TestDatabase): Promise<number> {
  const [k1] = lockKeys('drizzle.__drizzle_migrations');
  const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_locks
     where locktype = 'advisory' and classid = ${k1}::int::oid and database = (select oid from pg_database where datname = current_database())`;
  return row!.n;
}

for (const poolSize of [1, 5]) {
  describe(`through a transaction-mode PgBouncer (pool size ${poolSize})`, () => {
    let pooler: RunningPgBouncer;
    beforeAll(async () => {
      pooler = await startPgBouncer({ serverUrl: adminUrl(), poolMode: 'transaction', poolSize });
    });
    afterAll(async () => {
      await pooler?.stop();
    });

    for (const n of [1, 4, 8]) {
      it(`${n} concurrent migrate run${n === 1 ? '' : 's'} all refuse with LOCK_NOT_HELD before applying anything, within --wait`, async () => {
        const { db, project } = await setup(pooler, `txpool${poolSize}_${n}`);
        try {
          const { runs, ms } = await runConcurrently(project, n);
          for (const [i, run] of runs.entries()) {
            expect(run.code, run.stderr).toBe(1);
            const doc = run.json();
            expect(doc.status).toBe('failed');
            expect(doc.applied).toEqual([]);
            expect(doc.error.code).toBe('LOCK_NOT_HELD');
            expect(doc.error.message).toContain('directUrl');
            expect(run.stderr).toContain('directUrl');
            expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
            expect(ms[i]).toBeLessThan((WAIT_S + 15) * 1000);
          }
          // the database is unchanged: no migration table, no data migration, no lock left behind
          expect(await ledger(db)).toEqual(['seed']);
          const [tables] = await db.sql<{ items: string | null; drizzle: string | null; history: string | null }[]>`
            select to_regclass('items')::text as items, to_regclass('drizzle.__drizzle_migrations')::text as drizzle,
                   to_regclass('dbctl.migration_history')::text as history`;
          expect(tables).toEqual({ items: null, drizzle: null, history: null });
          expect(await dbctlLocksHeld(db)).toBe(0);
          // a direct connection then migrates at once: nothing stale blocks it
          const direct = await project.dbctl(['migrate', '--json', '--wait', '1s'], { DATABASE_URL: db.url });
          expect(direct.code, direct.stderr).toBe(0);
          expect(await ledger(db)).toEqual(['seed', 'migrated']);
        } finally {
          await project.cleanup();
          await db.drop();
        }
      });
    }

    if (poolSize === 1) {
      it('without the probe, the lock is still never shared: a second client on the same pooled backend is not granted it re-entrantly, and the holder sees its session taken', async () => {
        const db = await createTestDatabase('lockshare');
        const a = postgres(pooler.urlFor(db.url), { max: 1, onnotice: () => {} });
        const b = postgres(pooler.urlFor(db.url), { max: 1, onnotice: () => {} });
        const scope = 'drizzle.__drizzle_migrations';
        try {
          // one server connection: both clients' statements run on the same backend
          const lock = await acquireMigrationLock(a, scope, { waitMs: 0 });
          await assertLockHeld(a, lock);
          const waited = await acquireMigrationLock(b, scope, { waitMs: 300 }).catch((e: unknown) => e);
          // b's marker replaced a's on the shared backend: b is not granted the lock a holds there
          expect(isDbctlError(waited) && waited.code).toBe('LOCK_TIMEOUT');
          const lost = await assertLockHeld(a, lock).catch((e: unknown) => e);
          expect(isDbctlError(lost) && lost.code).toBe('LOCK_NOT_HELD');
          // the holder still releases it: the unlock runs on the backend that took it
          await releaseMigrationLock(a, lock);
          expect(await dbctlLocksHeld(db)).toBe(0);
        } finally {
          await a.end();
          await b.end();
          await db.drop();
        }
      });
    }

    if (poolSize === 5) {
      it('url = the pooler with directUrl = the server: 8 concurrent runs migrate through directUrl, exactly once', async () => {
        const db = await createTestDatabase('directurl');
        await db.sql`create table ledger (id serial primary key, note text not null)`;
        await db.sql`insert into ledger (note) values ('seed')`;
        const project = await createProject(pooler.urlFor(db.url), {
          dbctlConfig: { environments: { development: { url: pooler.urlFor(db.url), directUrl: db.url } } },
        });
        try {
          const tags = [
            await project.addMigration({ name: 'items', sql: ['CREATE TABLE "items" ("id" serial PRIMARY KEY, "name" text);'] }),
            await project.addMigration({
              name: 'data',
              sql: ['SELECT pg_sleep(0.3);', `INSERT INTO "ledger" ("note") VALUES ('migrated');`],
            }),
          ];
          const { runs, ms } = await runConcurrently(project, 8);
          for (const [i, run] of runs.entries()) {
            expect(run.code, run.stderr).toBe(0);
            expect(ms[i]).toBeLessThan((WAIT_S + 15) * 1000);
          }
          expect(runs.flatMap((r) => r.json().applied.map((a: { tag: string }) => a.tag)).sort()).toEqual(tags);
          expect(await ledger(db)).toEqual(['seed', 'migrated']);
          const rows = await db.sql<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations group by hash`;
          expect(rows.map((r) => r.n)).toEqual([1, 1]);
          expect(await dbctlLocksHeld(db)).toBe(0);
        } finally {
          await project.cleanup();
          await db.drop();
        }
      });
    }
  });
}

describe('through a session-mode PgBouncer (pool size 5)', () => {
  let pooler: RunningPgBouncer;
  beforeAll(async () => {
    pooler = await startPgBouncer({ serverUrl: adminUrl(), poolMode: 'session', poolSize: 5 });
  });
  afterAll(async () => {
    await pooler?.stop();
  });

  for (const n of [1, 4, 8]) {
    it(`${n} concurrent migrate run${n === 1 ? '' : 's'} apply each migration exactly once`, async () => {
      const { db, project, tags } = await setup(pooler, `sessionpool_${n}`);
      try {
        const { runs, ms } = await runConcurrently(project, n);
        for (const [i, run] of runs.entries()) {
          expect(run.code, run.stderr).toBe(0);
          expect(ms[i]).toBeLessThan((WAIT_S + 15) * 1000);
        }
        const applied = runs.flatMap((r) => r.json().applied.map((a: { tag: string }) => a.tag));
        expect(applied.sort()).toEqual(tags);
        expect(runs.filter((r) => r.json().status === 'nothing-pending').length).toBe(n - 1);
        expect(await ledger(db)).toEqual(['seed', 'migrated']);
        const rows = await db.sql<
          { hash: string; n: number }[]
        >`select hash, count(*)::int as n from drizzle.__drizzle_migrations group by hash`;
        expect(rows.length).toBe(2);
        expect(rows.every((r) => r.n === 1)).toBe(true);
        expect(await dbctlLocksHeld(db)).toBe(0);
      } finally {
        await project.cleanup();
        await db.drop();
      }
    });
  }
});
