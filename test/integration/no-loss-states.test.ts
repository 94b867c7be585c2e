/**
 * Honest states: a migration that ends its own transaction is refused before it runs; a run killed
 * (kill -9) during a statement outside a transaction leaves the migration failed, with what the
 * catalog says ran, never pending; `resolve --applied` of a migration with no failed record needs
 * `--force`.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { dbctlBin } from '../support/cli.js';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { testProject, type TestProject } from '../support/project.js';

let project: TestProject | undefined;
let db: TestDatabase | undefined;

const PROD = { environments: { production: { url: 'env:DATABASE_URL', protected: true } } };
type Env = 'development' | 'production';

async function withPosts(env: Env): Promise<TestProject> {
  db = await testDatabase('states');
  const p = await testProject(db.url, env === 'production' ? { dbctlConfig: PROD } : {});
  await p.addMigration({ name: 'posts', sql: [`CREATE TABLE "posts" ("id" serial PRIMARY KEY, "bio" text);`] });
  expect((await p.dbctl(['migrate', '--env', env])).code).toBe(0);
  await db.sql`insert into posts (bio) select 'bio ' || g from generate_series(1, 1000) g`;
  return p;
}

async function bioDigest(): Promise<string> {
  const [row] = await db!.sql`select md5(string_agg(id || ':' || bio, ',' order by id)) as h from posts`;
  return row!.h;
}

describe.each(['development', 'production'] as Env[])('honest states on %s', (env) => {
  it('a migration that ends its own transaction is refused before anything of it runs', async () => {
    project = await withPosts(env);
    const before = await bioDigest();
    const tag = await project.addMigration({ name: 'commit_inside', sql: `ALTER TABLE "posts" DROP COLUMN "bio"; COMMIT; SELECT 1/0;` });
    const run = await project.dbctl(['migrate', '--env', env, '--allow-destructive', '--json']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.json()).toMatchObject({ status: 'failed', applied: [], error: { tag, code: 'TRANSACTION_CONTROL' } });
    expect(run.stderr).toContain('COMMIT');
    expect(await bioDigest()).toBe(before);
    const status = await project.dbctl(['status', '--env', env, '--json']);
    expect(JSON.stringify(status.json())).toContain('pending');
  });

  it('the pre-commit check runs nothing before the first statement: SET TRANSACTION ISOLATION LEVEL still works', async () => {
    project = await withPosts(env);
    await project.addMigration({
      name: 'serializable',
      sql: [`SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;`, `ALTER TABLE "posts" ADD COLUMN "note" text;`],
    });
    const run = await project.dbctl(['migrate', '--env', env]);
    expect(run.code, run.stderr).toBe(0);
  });

  it('resolve --applied of a migration that never ran is exit 2 unless --force', async () => {
    project = await withPosts(env);
    const tag = await project.addMigration({ name: 'never_ran', sql: [`ALTER TABLE "posts" ADD COLUMN "note" text;`] });
    const refused = await project.dbctl(['resolve', tag, '--applied', '--env', env]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('--force');
    const forced = await project.dbctl(['resolve', tag, '--applied', '--force', '--env', env]);
    expect(forced.code, forced.stderr).toBe(0);
    const migrate = await project.dbctl(['migrate', '--env', env, '--json']);
    expect(migrate.json().status).toBe('nothing-pending');
  });
});

describe('a run killed during CREATE INDEX CONCURRENTLY', () => {
  it('is recorded as failed, with what the catalog says ran; never pending with a rerun failing 42P07', async () => {
    db = await testDatabase('states');
    project = await testProject(db.url);
    await project.addMigration({
      name: 'big',
      sql: [
        `CREATE TABLE "big" ("id" serial PRIMARY KEY, "v" text);`,
        `CREATE FUNCTION slow_key(t text) RETURNS text IMMUTABLE LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.003); RETURN t; END $$;`,
      ],
    });
    expect((await project.dbctl(['migrate'])).code).toBe(0);
    await db.sql`insert into big (v) select 'v' || g from generate_series(1, 2000) g`;
    const tag = await project.addMigration({ name: 'index', sql: [`CREATE INDEX CONCURRENTLY "big_v_idx" ON "big" (slow_key("v"));`] });

    const child = spawn(process.execPath, [dbctlBin, 'migrate'], {
      cwd: project.dir,
      env: { ...process.env, CI: '1', NO_COLOR: '1', DATABASE_URL: db.url },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('close', resolve));
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [running] =
        await db.sql`select count(*)::int as n from pg_stat_activity where query ilike 'CREATE INDEX CONCURRENTLY%' and state = 'active'`;
      if (running!.n > 0) break;
      if (Date.now() > deadline) throw new Error('CREATE INDEX CONCURRENTLY never started');
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await exited;
    // the server finishes the statement on its own; wait for it (and for the lock to go)
    for (;;) {
      const [running] =
        await db.sql`select count(*)::int as n from pg_stat_activity where application_name like 'dbctl%' and pid <> pg_backend_pid()`;
      if (running!.n === 0) break;
      if (Date.now() > deadline + 60_000) throw new Error('the killed run never ended on the server');
      await new Promise((r) => setTimeout(r, 100));
    }

    const status = await project.dbctl(['status', '--json']);
    expect(status.code).toBe(1);
    expect(JSON.stringify(status.json())).toContain('failed');
    const rerun = await project.dbctl(['migrate']);
    expect(rerun.code, rerun.stderr).toBe(1);
    expect(rerun.stderr).not.toContain('42P07');
    expect(rerun.stderr).toContain(tag);
    expect(rerun.stderr).toMatch(/exists and is valid, so it ran|exists but is INVALID|does not exist, so it did not run/);
    const [index] = await db.sql`select i.indisvalid from pg_index i where i.indexrelid = to_regclass('big_v_idx')`;
    if (index?.indisvalid) {
      expect(rerun.stderr).toContain('exists and is valid');
      const resolved = await project.dbctl(['resolve', tag, '--applied']);
      expect(resolved.code, resolved.stderr).toBe(0);
      expect((await project.dbctl(['migrate', '--json'])).json().status).toBe('nothing-pending');
    }
  });
});
