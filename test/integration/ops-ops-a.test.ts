/**
 * The API's `signal` on the ops of this branch (migrate, backup, backups, restore, drop, resolve):
 * an aborted signal rejects with ABORTED before anything connects; a migrate aborted between two
 * migrations keeps the first applied and leaves the second pending; a migrate waiting for the
 * migration lock stops at once when aborted. Real processes calling `require('dbctl')`, a real server.
 */
import { describe, expect, it } from 'vitest';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import postgres from 'postgres';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { testProject, type TestProject } from '../support/project.js';
import { repoRoot, runNode } from '../support/cli.js';
import { acquireMigrationLock, releaseMigrationLock } from '../../src/io/lock.js';

let db: TestDatabase | undefined;
let project: TestProject | undefined;

/**
 * A script calling `dbctl[op](options)` with a signal, aborted `now`, when a reporter line
 * contains `line:<text>`, or `after:<ms>`; its outcome is the last `@@` line on stderr.
 */
const SCRIPT = `
const dbctl = require('dbctl');
const [op, options, abortOn] = [process.argv[2], JSON.parse(process.argv[3]), process.argv[4]];
const controller = new AbortController();
const lines = [];
const seen = (line) => {
  lines.push(line);
  if (abortOn.startsWith('line:') && line.includes(abortOn.slice(5))) controller.abort(new Error('test abort'));
};
if (abortOn === 'now') controller.abort();
if (abortOn.startsWith('after:')) setTimeout(() => controller.abort(), Number(abortOn.slice(6)));
const started = Date.now();
const report = (outcome) => process.stderr.write('\\n@@' + JSON.stringify({ ...outcome, lines, ms: Date.now() - started }) + '\\n');
dbctl[op]({ ...options, signal: controller.signal, reporter: { info: seen, warn: seen } }).then(
  (resolved) => report({ resolved }),
  (error) => report({ rejected: { code: error.code, exitCode: error.exitCode, message: error.message, document: error.document } }),
);
`;

interface Outcome {
  resolved?: any;
  rejected?: { code: string; exitCode: number; message: string; document?: any };
  lines: string[];
  ms: number;
}

async function userProject(p: TestProject): Promise<void> {
  await writeFile(path.join(p.dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'commonjs' }));
  await mkdir(path.join(p.dir, 'node_modules'), { recursive: true });
  await symlink(repoRoot, path.join(p.dir, 'node_modules', 'dbctl'), 'dir');
  await writeFile(path.join(p.dir, 'abort.cjs'), SCRIPT);
}

async function call(p: TestProject, op: string, options: object, abortOn: string): Promise<Outcome> {
  const run = await runNode(path.join(p.dir, 'abort.cjs'), [op, JSON.stringify(options), abortOn], {
    cwd: p.dir,
    env: { DATABASE_URL: db!.url },
  });
  expect(run.stdout).toBe('');
  const line = run.stderr
    .split('\n')
    .filter((l) => l.startsWith('@@'))
    .at(-1);
  expect(line, `${op}: ${run.stderr}`).toBeDefined();
  return JSON.parse(line!.slice(2)) as Outcome;
}

/** How many rows drizzle's migrations table holds (0 when it does not exist yet). */
async function appliedCount(): Promise<number> {
  const [found] = await db!.sql<{ table: string | null }[]>`select to_regclass('drizzle.__drizzle_migrations')::text as table`;
  if (!found?.table) return 0;
  const [counted] = await db!.sql<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
  return counted!.n;
}

describe('signal (ops of migrate, backup, backups, restore, drop, resolve)', () => {
  it('an aborted signal rejects with ABORTED before connecting: nothing is applied, backed up or dropped', async () => {
    db = await testDatabase('ops_a_abort');
    project = await testProject(db.url);
    await userProject(project);
    await project.addMigration({ name: 'users', sql: ['CREATE TABLE "users" ("id" serial PRIMARY KEY);'] });

    for (const [op, options] of [
      ['migrate', {}],
      ['backup', {}],
      ['backups', {}],
      ['drop', {}],
      ['restore', { id: 'nope' }],
      ['resolve', { tag: '0000_users', applied: true }],
    ] as const) {
      const outcome = await call(project, op, options, 'now');
      expect(outcome.rejected, op).toMatchObject({ code: 'ABORTED', exitCode: 1 });
    }
    expect(await appliedCount()).toBe(0);
    expect((await project.journal()).entries.map((e) => e.tag)).toEqual(['0000_users']);
  });

  it('migrate aborted between two migrations keeps the first applied and the second pending', async () => {
    db = await testDatabase('ops_a_between');
    project = await testProject(db.url);
    await userProject(project);
    const first = await project.addMigration({ name: 'users', sql: ['CREATE TABLE "users" ("id" serial PRIMARY KEY);'] });
    const second = await project.addMigration({ name: 'posts', sql: ['CREATE TABLE "posts" ("id" serial PRIMARY KEY);'] });

    // the reporter's line for the first applied migration aborts the run
    const outcome = await call(project, 'migrate', {}, `line:${first}`);
    expect(outcome.rejected).toMatchObject({ code: 'ABORTED', exitCode: 1 });
    expect(outcome.rejected!.document).toMatchObject({ status: 'failed', pending: [second], error: { code: 'ABORTED' } });
    expect(outcome.rejected!.document.applied.map((a: { tag: string }) => a.tag)).toEqual([first]);

    const status = (await project.dbctl(['status', '--json'])).json();
    expect(status.migrations.map((m: { tag: string; state: string }) => [m.tag, m.state])).toEqual([
      [first, 'applied'],
      [second, 'pending'],
    ]);
    const [posts] = await db.sql<{ posts: string | null }[]>`select to_regclass('public.posts')::text as posts`;
    expect(posts!.posts).toBeNull();
    // the lock was released: the next run applies the rest
    expect((await project.dbctl(['migrate', '--json'])).json()).toMatchObject({ status: 'ok', applied: [{ tag: second }] });
  });

  it('migrate waiting for the migration lock stops at once when aborted; nothing is applied', async () => {
    db = await testDatabase('ops_a_lock');
    project = await testProject(db.url);
    await userProject(project);
    await project.addMigration({ name: 'users', sql: ['CREATE TABLE "users" ("id" serial PRIMARY KEY);'] });
    const holder = postgres(db.url, { max: 1 });
    try {
      await acquireMigrationLock(holder, 'drizzle.__drizzle_migrations', { waitMs: 0 });
      const outcome = await call(project, 'migrate', { wait: '60s' }, 'line:waiting for the migration lock');
      expect(outcome.rejected).toMatchObject({ code: 'ABORTED', exitCode: 1 });
      expect(outcome.rejected!.document).toMatchObject({ status: 'failed', applied: [] });
      // it stopped at once, not at the end of the 60 s wait
      expect(outcome.ms).toBeLessThan(20_000);
      expect(await appliedCount()).toBe(0);
      await releaseMigrationLock(holder, 'drizzle.__drizzle_migrations');
    } finally {
      await holder.end({ timeout: 1 });
    }
  });

  it('migrate retrying an unreachable database (waitForDb) stops at once when aborted, with ABORTED', async () => {
    db = await testDatabase('ops_a_waitdb');
    project = await testProject(db.url);
    await userProject(project);
    await project.addMigration({ name: 'users', sql: ['CREATE TABLE "users" ("id" serial PRIMARY KEY);'] });
    // a port nothing listens on: every attempt is refused, and waitForDb retries for a minute
    const closed = new URL(db.url);
    closed.port = '1';
    const outcome = await call(project, 'migrate', { url: closed.toString(), waitForDb: '60s' }, 'after:1500');
    expect(outcome.rejected).toMatchObject({ code: 'ABORTED', exitCode: 1 });
    expect(outcome.ms).toBeLessThan(20_000);
    expect(await appliedCount()).toBe(0);
  });
});
