/**
 * Faults while migrating, on real components: a backend terminated from the admin connection (as
 * a server restart or failover does), a network drop (the PgBouncer in between SIGKILLed), a
 * server that requires TLS (a PgBouncer with client_tls_sslmode=require and a self-signed
 * certificate), a server without TLS asked for it, and unix-socket urls to the test server.
 * Each failure is one line (no stack), the right exit code, a JSON document with --json, the
 * history saying what happened where the database can be reached, and a rerun finishes the job.
 */
import { afterEach, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { adminUrl, createTestDatabase, type TestDatabase } from '../support/db.js';
import { createProject, type TestProject } from '../support/project.js';
import { startPgBouncer, type RunningPgBouncer } from '../support/pgbouncer.js';
import type { CliResult } from '../support/cli.js';
import { lockKeys } from '../../src/io/lock.js';

let db: TestDatabase | undefined;
let project: TestProject | undefined;
let pooler: RunningPgBouncer | undefined;
let admin: postgres.Sql | undefined;

afterEach(async () => {
  await pooler?.stop();
  await admin?.end();
  await project?.cleanup();
  await db?.drop();
  pooler = admin = project = db = undefined;
});

/** The lines dbctl wrote to stderr that report an error, and no stack trace anywhere. */
function expectOneErrorLine(run: CliResult): string {
  const errors = run.stderr.split('\n').filter((line) => line.startsWith('error:'));
  expect(errors, run.stderr).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stderr).not.toContain('TypeError');
  return errors[0]!;
}

/** Polls the admin connection until a backend of `database` runs a query containing `text`; returns its pid. */
async function backendRunning(sql: postgres.Sql, database: string, text: string, states = ['active']): Promise<number> {
  for (let i = 0; i < 300; i++) {
    const [row] = await sql<{ pid: number }[]>`
      select pid from pg_stat_activity where datname = ${database} and pid <> pg_backend_pid() and query like ${`%${text}%`}
         and state = any (${states}::text[]) and application_name = 'dbctl migrate'`;
    if (row) return row.pid;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no backend ran ${text}`);
}

async function history(sql: postgres.Sql, tag: string): Promise<{ outcome: string; error: { message: string; code?: string } | null }[]> {
  return await sql`select outcome, error from dbctl.migration_history where tag = ${tag} order by id`;
}

async function twoMigrations(url: string) {
  db = await createTestDatabase('faults');
  project = await createProject(url.replace('__DB__', db.name));
  const first = await project.addMigration({ name: 'ledger', sql: ['CREATE TABLE "ledger" ("note" text NOT NULL);'] });
  const second = await project.addMigration({
    name: 'slow_data',
    sql: ['SELECT pg_sleep(2);', `INSERT INTO "ledger" ("note") VALUES ('migrated');`],
  });
  return { db, project, first, second };
}

describe('a connection lost while migrating', () => {
  it('terminated backend mid-migration: exit 1, one line, a JSON document, a rolled-back history row, and a rerun finishes', async () => {
    admin = postgres(adminUrl(), { max: 1 });
    const { db, project, first, second } = await twoMigrations(adminUrl().replace(/\/[^/?]*(\?|$)/, '/__DB__$1'));
    const running = project.dbctl(['migrate', '--json']);
    const pid = await backendRunning(admin, db.name, 'pg_sleep(2)');
    await admin`select pg_terminate_backend(${pid})`;
    const run = await running;
    expect(run.code, run.stderr).toBe(1);
    const line = expectOneErrorLine(run);
    expect(line).toContain(`lost the connection to the database while applying ${second}`);
    expect(line).toContain('rolled back');
    const doc = run.json();
    expect(doc).toMatchObject({ env: 'development', status: 'failed', pending: [second], error: { tag: second, code: 'CONNECTION_LOST' } });
    expect(doc.applied.map((a: { tag: string }) => a.tag)).toEqual([first]);
    const rows = await history(db.sql, second);
    expect(rows.map((r) => r.outcome)).toEqual(['rolled-back']);
    expect(rows[0]!.error).toMatchObject({ code: 'CONNECTION_LOST' });
    expect(await db.sql`select note from ledger`).toHaveLength(0);

    const rerun = await project.dbctl(['migrate', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.json().applied.map((a: { tag: string }) => a.tag)).toEqual([second]);
    expect((await db.sql`select note from ledger`).map((r) => r.note)).toEqual(['migrated']);
    expect((await history(db.sql, second)).map((r) => r.outcome)).toEqual(['rolled-back', 'applied']);
  });

  it('terminated backend before any migration ran (waiting for the lock): exit 4, one line, a JSON document, nothing applied', async () => {
    admin = postgres(adminUrl(), { max: 1 });
    const { db, project, second } = await twoMigrations(adminUrl().replace(/\/[^/?]*(\?|$)/, '/__DB__$1'));
    const holder = postgres(db.url, { max: 1, connection: { application_name: 'other replica' } });
    const [k1, k2] = lockKeys('drizzle.__drizzle_migrations');
    await holder`select pg_advisory_lock(${k1}::int, ${k2}::int)`;
    try {
      const running = project.dbctl(['migrate', '--json', '--wait', '30s']);
      // dbctl polls for the lock: its backend shows the lock query
      const pid = await backendRunning(admin, db.name, 'pg_locks', ['active', 'idle']);
      await admin`select pg_terminate_backend(${pid})`;
      const run = await running;
      expect(run.code, run.stderr).toBe(4);
      expect(expectOneErrorLine(run)).toContain('before any migration ran');
      expect(run.json()).toMatchObject({ env: 'development', status: 'failed', applied: [], error: { code: 'DB_UNREACHABLE' } });
    } finally {
      await holder.end();
    }
    expect(await db.sql`select to_regclass('ledger')::text as t`).toEqual([{ t: null }]);
    const rerun = await project.dbctl(['migrate']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect((await db.sql`select note from ledger`).map((r) => r.note)).toEqual(['migrated']);
    expect((await history(db.sql, second)).map((r) => r.outcome)).toEqual(['applied']);
  });

  it('network drop (the PgBouncer in between killed) mid-migration: exit 1, one line, a JSON document, and a rerun finishes exactly once', async () => {
    pooler = await startPgBouncer({ serverUrl: adminUrl(), poolMode: 'session' });
    const { db, project, first, second } = await twoMigrations(pooler.urlFor(adminUrl()).replace(/\/[^/?]*(\?|$)/, '/__DB__$1'));
    admin = postgres(adminUrl(), { max: 1 });
    const running = project.dbctl(['migrate', '--json']);
    await backendRunning(admin, db.name, 'pg_sleep(2)');
    await pooler.kill();
    const run = await running;
    expect(run.code, run.stderr).toBe(1);
    expect(expectOneErrorLine(run)).toContain(`lost the connection to the database while applying ${second}`);
    const doc = run.json();
    expect(doc).toMatchObject({ status: 'failed', error: { tag: second, code: 'CONNECTION_LOST' } });
    expect(doc.applied.map((a: { tag: string }) => a.tag)).toEqual([first]);
    // the database behind the dead pooler: the orphaned backend rolls back when it finds its client gone
    const rerun = await project.dbctl(['migrate', '--json', '--wait', '30s'], { DATABASE_URL: db.url });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.json().applied.map((a: { tag: string }) => a.tag)).toEqual([second]);
    expect((await db.sql`select note from ledger`).map((r) => r.note)).toEqual(['migrated']);
    expect((await history(db.sql, second)).at(-1)!.outcome).toBe('applied');
    const hashes = await db.sql`select hash, count(*)::int as n from drizzle.__drizzle_migrations group by hash`;
    expect(hashes.every((r) => r.n === 1)).toBe(true);
  });
});

describe('TLS', () => {
  it('a server that requires TLS is named as such, and sslmode=require then works', async () => {
    pooler = await startPgBouncer({ serverUrl: adminUrl(), poolMode: 'session', requireTls: true });
    db = await createTestDatabase('tlsreq');
    project = await createProject(pooler.urlFor(db.url));
    await project.addMigration({ name: 'a', sql: ['CREATE TABLE "a" ("id" int);'] });
    const run = await project.dbctl(['migrate', '--json']);
    expect(run.code, run.stderr).toBe(4);
    const line = expectOneErrorLine(run);
    expect(line).toContain('the server requires TLS: add sslmode=require to the url');
    expect(run.stderr).not.toContain('authentication failed');
    expect(run.json()).toMatchObject({ status: 'failed', applied: [] });
    const status = await project.dbctl(['status']);
    expect(status.code).toBe(4);
    expect(status.stderr).toContain('the server requires TLS');
    const tls = await project.dbctl(['migrate'], { DATABASE_URL: `${pooler.urlFor(db.url)}?sslmode=require` });
    expect(tls.code, tls.stderr).toBe(0);
    expect(await db.sql`select to_regclass('a')::text as t`).toEqual([{ t: 'a' }]);
  });

  it('sslmode=require against a server without TLS is named as such', async () => {
    db = await createTestDatabase('tlsoff');
    project = await createProject(`${db.url}?sslmode=require`);
    await project.addMigration({ name: 'a', sql: ['CREATE TABLE "a" ("id" int);'] });
    const run = await project.dbctl(['migrate', '--json']);
    expect(run.code, run.stderr).toBe(4);
    expect(expectOneErrorLine(run)).toContain('the server does not accept TLS');
    expect(run.json()).toMatchObject({ status: 'failed', applied: [] });
  });
});

describe('unix-socket urls', () => {
  it('reach the test server through its socket directory, in both url forms', async () => {
    admin = postgres(adminUrl(), { max: 1 });
    const [row] = await admin<{ unix_socket_directories: string }[]>`show unix_socket_directories`;
    const dir = row!.unix_socket_directories.split(',')[0]!.trim();
    expect(dir.startsWith('/')).toBe(true);
    db = await createTestDatabase('socket');
    const parsed = new URL(adminUrl());
    const credentials = `${parsed.username}:${parsed.password}`;
    const forms = [
      `postgres://${credentials}@/${db.name}?host=${dir}&port=${parsed.port}`,
      `postgres://${credentials}@${encodeURIComponent(dir)}:${parsed.port}/${db.name}`,
    ];
    project = await createProject(forms[0]!);
    await project.addMigration({ name: 'a', sql: ['CREATE TABLE "a" ("id" int);'] });
    const migrated = await project.dbctl(['migrate', '--json']);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.json().applied.map((a: { tag: string }) => a.tag)).toEqual(['0000_a']);
    for (const url of forms) {
      const status = await project.dbctl(['status', '--json'], { DATABASE_URL: url });
      expect(status.code, `${url}: ${status.stderr}`).toBe(0);
    }
    await project.addMigration({ name: 'b', sql: ['CREATE TABLE "b" ("id" int);'] });
    const second = await project.dbctl(['migrate', '--json'], { DATABASE_URL: forms[1] });
    expect(second.code, second.stderr).toBe(0);
    expect(await db.sql`select to_regclass('b')::text as t`).toEqual([{ t: 'b' }]);
  });
});
