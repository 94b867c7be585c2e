/**
 * The programmatic API (`import { migrate } from 'dbctl'`, `require('dbctl')`), from a user project
 * whose node_modules/dbctl is the built repository: each call resolves to the command's `--json`
 * document, failures reject with DbctlError carrying exit code and document, the guards hold, the
 * lock makes API calls and CLI runs apply each migration once, and nothing reaches stdout.
 */
import { describe, expect, it } from 'vitest';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { testProject, type TestProject } from '../support/project.js';
import { repoRoot, runNode } from '../support/cli.js';
import { DatabaseMigrationsModule } from '../../examples/nestjs/database-migrations.module.js';

let db: TestDatabase | undefined;
let project: TestProject | undefined;

/** What a script calling the API reports on stderr's last line (stdout stays the API's to keep empty). */
interface Outcome {
  resolved?: unknown;
  rejected?: { name: string; code: string; exitCode: number; message: string; document?: any; isDbctlError: boolean; instanceOf: boolean };
}

const REPORT = `
const report = (outcome) => process.stderr.write('\\n@@' + JSON.stringify(outcome) + '\\n');
const settle = (promise, DbctlError) => promise.then(
  (resolved) => report({ resolved }),
  (error) => { report({ rejected: { name: error.name, code: error.code, exitCode: error.exitCode, message: error.message, document: error.document, isDbctlError: error.name === 'DbctlError', instanceOf: error instanceof DbctlError } }); },
);
`;

/** A user project: its own package.json, node_modules/dbctl linked to the repository, two callers. */
async function userProject(p: TestProject): Promise<void> {
  await writeFile(path.join(p.dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'commonjs' }));
  await mkdir(path.join(p.dir, 'node_modules'), { recursive: true });
  await symlink(repoRoot, path.join(p.dir, 'node_modules', 'dbctl'), 'dir');
  await writeFile(
    path.join(p.dir, 'call.cjs'),
    `${REPORT}const dbctl = require('dbctl');\nconst [op, options] = [process.argv[2], JSON.parse(process.argv[3] ?? '{}')];\nsettle(dbctl[op](options), dbctl.DbctlError);\n`,
  );
  await writeFile(
    path.join(p.dir, 'call.mjs'),
    `${REPORT}import * as dbctl from 'dbctl';\nconst [op, options] = [process.argv[2], JSON.parse(process.argv[3] ?? '{}')];\nawait settle(dbctl[op](options), dbctl.DbctlError);\n`,
  );
}

/** Calls `op(options)` in a fresh Node process through require (cjs) or import (esm). */
async function call(p: TestProject, op: string, options: object = {}, via: 'cjs' | 'esm' = 'cjs') {
  const run = await runNode(path.join(p.dir, via === 'cjs' ? 'call.cjs' : 'call.mjs'), [op, JSON.stringify(options)], {
    cwd: p.dir,
    env: { DATABASE_URL: db!.url },
  });
  const line = run.stderr.split('\n').find((l) => l.startsWith('@@'));
  expect(line, `${op}: ${run.stderr}`).toBeDefined();
  return { stdout: run.stdout, code: run.code, stderr: run.stderr, ...(JSON.parse(line!.slice(2)) as Outcome) };
}

describe('programmatic API', () => {
  it('migrate, status and review resolve to their --json documents, check rejects with its report, from require and from import, printing nothing', async () => {
    db = await testDatabase('api');
    project = await testProject(db.url);
    await userProject(project);
    await project.addMigration({ name: 'users', sql: ['CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" text NOT NULL);'] });
    await project.addMigration({ name: 'seed', sql: [`INSERT INTO "users" ("email") VALUES ('a@x');`] });

    const migrated = await call(project, 'migrate', {});
    expect(migrated.rejected).toBeUndefined();
    expect(migrated.stdout).toBe('');
    expect(migrated.code).toBe(0);
    expect(migrated.resolved).toMatchObject({ env: 'development', status: 'ok', pending: [] });
    expect((migrated.resolved as { applied: { tag: string }[] }).applied.map((a) => a.tag)).toEqual(['0000_users', '0001_seed']);
    // the same document the CLI prints
    const cli = await project.dbctl(['migrate', '--json']);
    const again = await call(project, 'migrate', {}, 'esm');
    expect(again.stdout).toBe('');
    expect(again.resolved).toEqual(cli.json());

    const status = await call(project, 'status', {}, 'esm');
    expect(status.stdout).toBe('');
    expect(status.resolved).toEqual((await project.dbctl(['status', '--json'])).json());
    expect(status.resolved).toMatchObject({ summary: { applied: 2, pending: 0 } });

    const review = await call(project, 'review', { all: true });
    expect(review.stdout).toBe('');
    expect(review.resolved).toEqual((await project.dbctl(['review', '--all', '--format', 'json'])).json());
    expect((review.resolved as { migrations: unknown[] }).migrations.length).toBe(2);

    // this folder has no snapshots: check fails (ok: false), and the API rejects with its report
    const check = await call(project, 'check', {});
    expect(check.stdout).toBe('');
    expect(check.rejected).toMatchObject({ exitCode: 1, code: 'OPERATION_FAILED', instanceOf: true });
    expect(check.rejected!.message).toContain('journal');
    expect(check.rejected!.document).toEqual((await project.dbctl(['check', '--format', 'json'])).json());
    expect(check.rejected!.document).toMatchObject({ ok: false });

    const [{ n }] = (await db.sql`select count(*)::int as n from users`) as unknown as [{ n: number }];
    expect(n).toBe(1);
  });

  it('a failing migration rejects with DbctlError (exit 1) carrying the migrate document; a review error rejects with the report', async () => {
    db = await testDatabase('api_fail');
    project = await testProject(db.url);
    await userProject(project);
    await project.addMigration({ name: 'ok', sql: ['CREATE TABLE "a" ("id" int);'] });
    await project.addMigration({ name: 'broken', sql: ['INSERT INTO "missing" VALUES (1);'] });

    for (const via of ['cjs', 'esm'] as const) {
      const failed = await call(project, 'migrate', {}, via);
      expect(failed.stdout).toBe('');
      expect(failed.resolved).toBeUndefined();
      expect(failed.rejected).toMatchObject({ name: 'DbctlError', exitCode: 1, instanceOf: true });
      expect(failed.rejected!.document).toMatchObject({ status: 'failed', error: { tag: '0001_broken' } });
    }
    const [{ n }] = (await db.sql`select count(*)::int as n from information_schema.tables where table_name = 'a'`) as unknown as [
      { n: number },
    ];
    expect(n).toBe(1);

    // an index built without CONCURRENTLY on an existing table is a review error
    await project.addMigration({ name: 'index', sql: ['CREATE INDEX "a_id" ON "a" ("id");'] });
    const reviewed = await call(project, 'review', { tags: ['0002_index'] });
    expect(reviewed.rejected).toMatchObject({ exitCode: 1, code: 'OPERATION_FAILED' });
    expect(reviewed.rejected!.document.summary.errors).toBeGreaterThan(0);

    // usage errors thrown by the command reject as they are
    const unknown = await call(project, 'migrate', { to: '9999_nothing' });
    expect(unknown.rejected).toMatchObject({ code: 'UNKNOWN_MIGRATION', exitCode: 2, instanceOf: true });

    // an unreachable server: exit 4, and the url's password appears nowhere in the rejection
    const unreachable = await call(project, 'migrate', { url: 'postgres://app:Sup3rSecretPw@127.0.0.1:1/app' });
    expect(unreachable.stdout).toBe('');
    expect(unreachable.rejected).toMatchObject({ code: 'DB_UNREACHABLE', exitCode: 4, instanceOf: true });
    expect(JSON.stringify(unreachable.rejected)).not.toContain('Sup3rSecretPw');
  });

  it("a protected environment's destructive migration rejects with exit 3 and the data stays; allowDestructive applies it with a backup", async () => {
    db = await testDatabase('api_guard');
    project = await testProject(db.url, { dbctlConfig: { environments: { production: { url: 'env:DATABASE_URL', protected: true } } } });
    await userProject(project);
    await project.addMigration({ name: 'users', sql: ['CREATE TABLE "users" ("id" serial PRIMARY KEY, "note" text);'] });
    expect((await call(project, 'migrate', { env: 'production' })).resolved).toMatchObject({ status: 'ok' });
    await db.sql`insert into users (note) select 'n' || g from generate_series(1, 50) g`;
    const before = await db.sql`select md5(string_agg(id || ':' || note, ',' order by id)) as h from users`;
    await project.addMigration({ name: 'drop_note', sql: ['ALTER TABLE "users" DROP COLUMN "note";'] });

    const refused = await call(project, 'migrate', { env: 'production' });
    expect(refused.stdout).toBe('');
    expect(refused.rejected).toMatchObject({ exitCode: 3, instanceOf: true });
    expect(refused.rejected!.document).toMatchObject({ status: 'refused' });
    const after = await db.sql`select md5(string_agg(id || ':' || note, ',' order by id)) as h from users`;
    expect(after[0]!.h).toBe(before[0]!.h);

    // `yes` is no way around the guard either: an API call is never interactive
    expect((await call(project, 'migrate', { env: 'production', yes: true })).rejected).toMatchObject({ exitCode: 3 });

    const applied = await call(project, 'migrate', { env: 'production', allowDestructive: true });
    expect(applied.rejected).toBeUndefined();
    const [entry] = (applied.resolved as { applied: { tag: string; backup: string | null }[] }).applied;
    expect(entry).toMatchObject({ tag: '0001_drop_note' });
    expect(typeof entry!.backup).toBe('string');
  });

  it('4 processes calling migrate() (one of them twice at once) and 2 CLI runs at once apply a data migration exactly once', async () => {
    db = await testDatabase('api_replicas');
    project = await testProject(db.url);
    await userProject(project);
    await project.addMigration({ name: 'ledger', sql: ['CREATE TABLE "ledger" ("migration" text NOT NULL);'] });
    for (let i = 1; i <= 3; i++) {
      await project.addMigration({
        name: `data_${i}`,
        sql: ['SELECT pg_sleep(0.2);', `INSERT INTO "ledger" ("migration") VALUES ('data_${i}');`],
      });
    }
    // one of the API processes makes two calls at once: in one process, each call is a run of its own
    await writeFile(
      path.join(project.dir, 'twice.cjs'),
      `${REPORT}const dbctl = require('dbctl');\nsettle(Promise.all([dbctl.migrate({ wait: '60s' }), dbctl.migrate({ wait: '60s' })]), dbctl.DbctlError);\n`,
    );
    const twice = () =>
      runNode(path.join(project!.dir, 'twice.cjs'), [], { cwd: project!.dir, env: { DATABASE_URL: db!.url } }).then((run) => {
        const line = run.stderr.split('\n').find((l) => l.startsWith('@@'));
        expect(line, run.stderr).toBeDefined();
        return { stdout: run.stdout, stderr: run.stderr, ...(JSON.parse(line!.slice(2)) as Outcome) };
      });
    const [apiRuns, inProcess, cliRuns] = await Promise.all([
      Promise.all(Array.from({ length: 3 }, (_, i) => call(project!, 'migrate', { wait: '60s' }, i % 2 ? 'esm' : 'cjs'))),
      twice(),
      Promise.all(Array.from({ length: 2 }, () => project!.dbctl(['migrate', '--json', '--wait', '60s']))),
    ]);
    for (const run of [...apiRuns, inProcess]) {
      expect(run.rejected, run.stderr).toBeUndefined();
      expect(run.stdout).toBe('');
    }
    for (const run of cliRuns) expect(run.code, run.stderr).toBe(0);
    const documents = [
      ...apiRuns.map((r) => r.resolved as { applied: { tag: string }[] }),
      ...(inProcess.resolved as { applied: { tag: string }[] }[]),
      ...cliRuns.map((r) => r.json()),
    ];
    expect(documents.length).toBe(7);
    const appliedTags = documents.flatMap((d) => d.applied.map((a: { tag: string }) => a.tag));
    expect(appliedTags.sort()).toEqual(['0000_ledger', '0001_data_1', '0002_data_2', '0003_data_3']);
    const ledger = await db.sql`select migration, count(*)::int as n from ledger group by migration order by migration`;
    expect(ledger.map((r) => [r.migration, r.n])).toEqual([1, 2, 3].map((i) => [`data_${i}`, 1]));
    const [{ n }] = (await db.sql`select count(*)::int as n from drizzle.__drizzle_migrations`) as unknown as [{ n: number }];
    expect(n).toBe(4);
  });

  it('a reporter receives the human lines; importing the API is cheap', async () => {
    db = await testDatabase('api_reporter');
    project = await testProject(db.url);
    await userProject(project);
    await project.addMigration({ name: 'one', sql: ['CREATE TABLE "one" ("id" int);'] });
    await writeFile(
      path.join(project.dir, 'report.cjs'),
      `const { migrate } = require('dbctl');
const lines = [];
migrate({ reporter: { info: (l) => lines.push(l), warn: (l) => lines.push(l) } }).then((doc) => process.stderr.write(JSON.stringify({ lines, status: doc.status })));
`,
    );
    const reported = await runNode(path.join(project.dir, 'report.cjs'), [], { cwd: project.dir, env: { DATABASE_URL: db.url } });
    expect(reported.stdout).toBe('');
    const { lines, status } = JSON.parse(reported.stderr) as { lines: string[]; status: string };
    expect(status).toBe('ok');
    expect(lines.some((l) => l.includes('0000_one'))).toBe(true);
    expect(lines.join('\n')).not.toMatch(/\x1b\[/);

    // a fresh process: importing or requiring the API loads no command (they load on first call)
    await writeFile(
      path.join(project.dir, 'cost.mjs'),
      `const t0 = performance.now();
const api = await import('dbctl');
const esm = performance.now() - t0;
const { createRequire } = await import('node:module');
const t1 = performance.now();
createRequire(import.meta.url)('dbctl');
const cjs = performance.now() - t1;
process.stderr.write(JSON.stringify({ esm, cjs, exports: Object.keys(api).length }));
`,
    );
    const cost = await runNode(path.join(project.dir, 'cost.mjs'), [], { cwd: project.dir });
    const measured = JSON.parse(cost.stderr) as { esm: number; cjs: number; exports: number };
    expect(measured.exports).toBeGreaterThan(10);
    expect(measured.esm).toBeLessThan(150);
    expect(measured.cjs).toBeLessThan(150);
  });

  it("the NestJS-shaped example's onModuleInit migrates in-process, logging through its logger", async () => {
    db = await testDatabase('api_nest');
    project = await testProject(db.url);
    await project.addMigration({ name: 'one', sql: ['CREATE TABLE "one" ("id" int);'] });
    const lines: string[] = [];
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = db.url;
    try {
      const module = new DatabaseMigrationsModule({
        cwd: project.dir,
        env: 'development',
        logger: { log: (l) => lines.push(l), warn: (l) => lines.push(l) },
      });
      await module.onModuleInit();
      expect(module.result).toMatchObject({ status: 'ok', applied: [{ tag: '0000_one' }] });
      await module.onModuleInit();
      expect(module.result).toMatchObject({ status: 'nothing-pending', applied: [] });
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
    expect(lines.some((l) => l.includes('0000_one'))).toBe(true);
    expect(lines.at(-1)).toContain('nothing-pending');
  });
});
