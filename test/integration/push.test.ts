/**
 * `dbctl push` on a real PostgreSQL: every way around the production guard is refused with exit 3
 * before anything connects or runs (the database is compared before and after), a normal push to
 * development applies in one transaction, a push that loses data needs --force when the run is not
 * interactive, and the --json document has the contract's shape.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/ops/context.js';
import { runPush, type PushDocument } from '../../src/commands/push.js';
import { isDbctlError } from '../../src/errors.js';
import { createOutput } from '../../src/io/output.js';
import { runDbctl } from '../support/cli.js';
import { adminUrl, createTestDatabase, withDatabase, type TestDatabase } from '../support/db.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const root = path.join(repoRoot, '.tmp', `push-${process.pid}-${Date.now().toString(36)}`);

const V1 = `
import { integer, pgTable, serial, text } from 'drizzle-orm/pg-core';
export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email'),
});
export const posts = pgTable('posts', {
  id: serial('id').primaryKey(),
  authorId: integer('author_id').references(() => users.id),
  title: text('title').notNull(),
});
`;
/** users.email dropped: loses data when users has rows. */
const V2 = V1.replace("  email: text('email'),\n", '');
/** A new nullable column: no data loss. */
const V3 = V2.replace("  name: text('name').notNull(),\n", "  name: text('name').notNull(),\n  bio: text('bio'),\n");

interface Project {
  dir: string;
  setSchema(source: string): void;
}

function makeProject(name: string, dbctlConfig: object): Project {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(
    path.join(dir, 'drizzle.config.ts'),
    `export default { dialect: 'postgresql', schema: './src/schema.ts', out: './drizzle' };\n`,
  );
  writeFileSync(path.join(dir, 'dbctl.config.json'), JSON.stringify(dbctlConfig, null, 2));
  writeFileSync(path.join(dir, 'src/schema.ts'), V1);
  return { dir, setSchema: (source) => writeFileSync(path.join(dir, 'src/schema.ts'), source) };
}

function context(
  cwd: string,
  options: { env?: string; url?: string; json?: boolean; yes?: boolean; vars?: Record<string, string> } = {},
): { ctx: CommandContext; stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  const json = options.json ?? false;
  const out = createOutput(
    { json, color: false, verbose: false },
    {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      stdinIsTTY: false,
      ci: true,
      noColorEnv: true,
    },
  );
  const ctx: CommandContext = {
    cwd,
    globals: {
      env: options.env,
      envExplicit: options.env !== undefined,
      url: options.url,
      config: undefined,
      json,
      yes: options.yes ?? false,
      verbose: false,
    },
    out,
    env: { CI: '1', ...vars, ...options.vars },
  };
  return { ctx, stdout: () => stdout, stderr: () => stderr };
}

/** The catalog of a database (tables, columns, constraints, indexes), to prove it untouched. */
async function dump(sql: postgres.Sql): Promise<string> {
  const rows = await sql.unsafe(`
    select 'col' as k, table_schema || '.' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') as v
      from information_schema.columns where table_schema not in ('pg_catalog', 'information_schema')
    union all
    select 'con', conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) from pg_constraint where connamespace::regnamespace::text not in ('pg_catalog', 'information_schema')
    union all
    select 'idx', schemaname || ' ' || indexdef from pg_indexes where schemaname not in ('pg_catalog', 'information_schema')
    order by 1, 2`);
  return rows.map((r) => `${r.k} ${r.v}`).join('\n');
}

let db: TestDatabase;
let prodDb: postgres.Sql;
const PROD_DB = 'app_prod';
let vars: Record<string, string> = {};
const unreachable = 'postgres://nobody:secret@127.0.0.1:1/app';

beforeAll(async () => {
  db = await createTestDatabase('push');
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${PROD_DB}"`).catch((error: { code?: string }) => {
      if (error.code !== '42P04') throw error; // left by an earlier run
    });
  } finally {
    await admin.end();
  }
  prodDb = postgres(withDatabase(adminUrl(), PROD_DB), { max: 1, onnotice: () => {} });
  vars = {
    DATABASE_URL: db.url,
    PRODUCTION_URL: withDatabase(adminUrl(), PROD_DB),
    PROD_EU_URL: db.url,
    STAGING_URL: withDatabase(adminUrl(), PROD_DB),
  };
});

afterAll(async () => {
  await prodDb?.end({ timeout: 1 });
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${PROD_DB}" with (force)`).finally(() => admin.end());
  await db?.drop();
  rmSync(root, { recursive: true, force: true });
});

const environments = {
  development: { url: 'env:DATABASE_URL' },
  production: { url: 'env:PRODUCTION_URL', protected: true },
  'prod-eu': { url: 'env:PROD_EU_URL' },
  staging: { url: 'env:STAGING_URL' },
  offline: { url: 'env:OFFLINE_URL', protected: true },
  unreachableprod: { url: unreachable, protected: true },
};

/** Runs push and returns its exit code, or the exit code of the error it threw. */
async function push(ctx: CommandContext, options: Parameters<typeof runPush>[1] = {}): Promise<{ code: number; message: string }> {
  try {
    return { code: await runPush(ctx, options), message: '' };
  } catch (error) {
    if (!isDbctlError(error)) throw error;
    return { code: error.exitCode, message: `${error.message} ${error.hint ?? ''}` };
  }
}

describe('the production guard: refused with exit 3 before connecting, whatever the flags', () => {
  let project: Project;
  let before: { dev: string; prod: string };

  beforeAll(async () => {
    project = makeProject('guard', { environments });
    before = { dev: await dump(db.sql), prod: await dump(prodDb) };
  });

  const attempts: [string, Parameters<typeof context>[1], Parameters<typeof runPush>[1]][] = [
    ['--env production (protected: true)', { env: 'production' }, {}],
    ['--env production --force', { env: 'production' }, { force: true }],
    ['--env production --yes', { env: 'production', yes: true }, {}],
    ['--env production --force --yes --json', { env: 'production', yes: true, json: true }, { force: true }],
    [
      '--url of a production database under the non-protected env name development',
      { env: 'development', url: withDatabase(adminUrl(), PROD_DB) },
      { force: true },
    ],
    [
      'DBCTL_ENV=production (the cli turns it into the environment)',
      { env: 'production', vars: { DBCTL_ENV: 'production' } },
      { force: true },
    ],
    ['an environment named prod-eu (not marked protected)', { env: 'prod-eu' }, { force: true }],
    ['an environment whose url database is app_prod', { env: 'staging' }, { force: true }],
    ['a protected environment whose url is not even set', { env: 'offline' }, { force: true }],
    ['a protected environment whose database is unreachable: 3, never 4', { env: 'unreachableprod' }, { force: true }],
  ];
  for (const [what, flags, options] of attempts) {
    it(what, async () => {
      const run = context(project.dir, flags);
      const result = await push(run.ctx, options);
      expect(result.code).toBe(3);
      expect(result.message).toMatch(/push is refused on the protected environment/);
      expect(await dump(db.sql)).toBe(before.dev);
      expect(await dump(prodDb)).toBe(before.prod);
      if (flags?.json) {
        const document = JSON.parse(run.stdout()) as PushDocument;
        expect(document).toEqual({ env: 'production', statements: [], dataLoss: false, warnings: [], applied: false, status: 'refused' });
      }
    });
  }

  it('a host matching protect.hosts (127.0.0.*): even development is refused', async () => {
    const guarded = makeProject('guard-hosts', {
      environments: { development: { url: 'env:DATABASE_URL' } },
      protect: { hosts: ['127.0.0.*'] },
    });
    const result = await push(context(guarded.dir, {}).ctx, { force: true });
    expect(result.code).toBe(3);
    expect(result.message).toMatch(/protect\.hosts|127\.0\.0/);
    expect(await dump(db.sql)).toBe(before.dev);
  });

  it('--url with a host matching protect.hosts under a non-protected environment', async () => {
    const guarded = makeProject('guard-hosts-url', {
      environments: { development: { url: 'postgres://u@dev.example.com/app' } },
      protect: { hosts: ['127.0.0.*'] },
    });
    const result = await push(context(guarded.dir, { url: db.url }).ctx, { force: true });
    expect(result.code).toBe(3);
    expect(await dump(db.sql)).toBe(before.dev);
  });
});

describe('pushing to development', () => {
  let project: Project;
  beforeAll(() => {
    project = makeProject('dev', { environments });
  });

  it('applies the schema in one transaction; the statements and their classes are shown', async () => {
    const run = context(project.dir, { json: true });
    expect((await push(run.ctx)).code).toBe(0);
    const document = JSON.parse(run.stdout()) as PushDocument;
    expect(document.status).toBe('ok');
    expect(document.applied).toBe(true);
    expect(document.env).toBe('development');
    expect(document.dataLoss).toBe(false);
    expect(document.statements.map((s) => s.class)).toEqual(document.statements.map(() => 'safe'));
    expect(document.statements.some((s) => s.sql.includes('CREATE TABLE "users"'))).toBe(true);
    expect(run.stderr()).toContain('in one transaction');
    const tables = await db.sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`;
    expect(tables.map((t) => t.table_name)).toEqual(['posts', 'users']);
  });

  it('a second push has nothing to do', async () => {
    const run = context(project.dir, { json: true });
    expect((await push(run.ctx)).code).toBe(0);
    expect(JSON.parse(run.stdout())).toEqual({
      env: 'development',
      statements: [],
      dataLoss: false,
      warnings: [],
      applied: false,
      status: 'nothing-to-push',
    });
  });

  it('a push losing data without --force in a non-interactive run: exit 3, database untouched', async () => {
    await db.sql`insert into users (name, email) values ('ada', 'ada@example.com'), ('bob', 'bob@example.com')`;
    project.setSchema(V2);
    const before = await dump(db.sql);
    const run = context(project.dir, { json: true });
    const result = await push(run.ctx);
    expect(result.code).toBe(3);
    expect(result.message).toContain('--force');
    const document = JSON.parse(run.stdout()) as PushDocument;
    expect(document.status).toBe('refused');
    expect(document.applied).toBe(false);
    expect(document.dataLoss).toBe(true);
    expect(document.warnings.join('\n')).toContain('email column in users table with 2 items');
    expect(document.statements).toEqual([{ sql: 'ALTER TABLE "users" DROP COLUMN "email";', class: 'destructive' }]);
    expect(await dump(db.sql)).toBe(before);
    const emails = await db.sql`select email from users order by id`;
    expect(emails.map((r) => r.email)).toEqual(['ada@example.com', 'bob@example.com']);
  });

  it('--yes does not stand in for --force in a non-interactive run', async () => {
    const before = await dump(db.sql);
    expect((await push(context(project.dir, { yes: true }).ctx)).code).toBe(3);
    expect(await dump(db.sql)).toBe(before);
  });

  it('the same push with --force: applied, and says what ran', async () => {
    const run = context(project.dir);
    expect((await push(run.ctx, { force: true })).code).toBe(0);
    if (process.env.SHOW) console.log(run.stdout(), run.stderr());
    expect(run.stdout()).toContain('[destructive]');
    expect(run.stdout()).toContain('ALTER TABLE "users" DROP COLUMN "email";');
    expect(run.stderr()).toContain('email column in users table with 2 items');
    expect(run.stdout()).toContain('✓ applied 1 statement to "development" in one transaction');
    const columns = await db.sql`select column_name from information_schema.columns where table_name = 'users' order by ordinal_position`;
    expect(columns.map((c) => c.column_name)).toEqual(['id', 'name']);
  });

  it("a NOT NULL column without default on a table with rows: drizzle-kit's truncate is data loss, refused without --force", async () => {
    project.setSchema(V3.replace("bio: text('bio')", "bio: text('bio').notNull()"));
    const run = context(project.dir, { json: true });
    expect((await push(run.ctx)).code).toBe(3);
    const document = JSON.parse(run.stdout()) as PushDocument;
    expect(document.dataLoss).toBe(true);
    expect(document.statements.map((s) => s.sql)).toContain('truncate table "users" cascade;');
    const [count] = await db.sql`select count(*)::int as n from users`;
    expect(count!.n).toBe(2);
  });

  it('a push that fails part-way changes nothing (one transaction)', async () => {
    // bio is added, then the unique constraint fails on the duplicate names: bio must not stay
    await db.sql`insert into users (name) values ('ada')`;
    project.setSchema(V3.replace("name: text('name').notNull(),", "name: text('name').notNull().unique(),"));
    const before = await dump(db.sql);
    const run = context(project.dir);
    const result = await push(run.ctx);
    expect(result.code).toBe(1);
    expect(result.message).toMatch(/nothing was changed/);
    expect(run.stderr()).toContain('users_name_unique unique constraint to users, which contains 3 items');
    expect(await dump(db.sql)).toBe(before);
    await db.sql`delete from users where id = (select max(id) from users)`;
  });

  it('a safe change applies without --force', async () => {
    project.setSchema(V3);
    expect((await push(context(project.dir).ctx)).code).toBe(0);
    const columns = await db.sql`select column_name from information_schema.columns where table_name = 'users' order by ordinal_position`;
    expect(columns.map((c) => c.column_name)).toEqual(['id', 'name', 'bio']);
  });

  it('an unanswered rename: exit 2 with the flags, nothing applied; the answer applies it', async () => {
    project.setSchema(V3.replace("bio: text('bio')", "about: text('about')"));
    const before = await dump(db.sql);
    const result = await push(context(project.dir).ctx);
    expect(result.code).toBe(2);
    expect(result.message).toContain('dbctl push');
    expect(await dump(db.sql)).toBe(before);
    expect((await push(context(project.dir).ctx, { rename: ['users.bio=users.about'] })).code).toBe(0);
    const columns = await db.sql`select column_name from information_schema.columns where table_name = 'users' order by ordinal_position`;
    expect(columns.map((c) => c.column_name)).toEqual(['id', 'name', 'about']);
  });
});

describe('schemaFilter', () => {
  const fixture = () => readFileSync(path.join(repoRoot, 'test/fixtures/generate/schemas/v1.ts'), 'utf8');

  it("the default ['public']: objects in other schemas (an enum of auth too) are left out; a second push has nothing to do", async () => {
    const own = await createTestDatabase('push_filter');
    try {
      const project = makeProject('filter-default', { environments: { development: { url: own.url } } });
      project.setSchema(fixture());
      expect((await push(context(project.dir).ctx)).code).toBe(0);
      const [auth] = await own.sql`select count(*)::int as n from pg_namespace where nspname = 'auth'`;
      expect(auth!.n).toBe(0);
      const again = context(project.dir, { json: true });
      expect((await push(again.ctx)).code).toBe(0);
      expect(JSON.parse(again.stdout()).status).toBe('nothing-to-push');
    } finally {
      await own.drop();
    }
  });

  it("schemaFilter ['public', 'auth']: both schemas are pushed", async () => {
    const own = await createTestDatabase('push_filter_auth');
    try {
      const project = makeProject('filter-auth', { environments: { development: { url: own.url } } });
      writeFileSync(
        path.join(project.dir, 'drizzle.config.ts'),
        `export default { dialect: 'postgresql', schema: './src/schema.ts', out: './drizzle', schemaFilter: ['public', 'auth'] };\n`,
      );
      project.setSchema(fixture());
      expect((await push(context(project.dir).ctx)).code).toBe(0);
      const tables =
        await own.sql`select table_schema || '.' || table_name as t from information_schema.tables where table_schema in ('public', 'auth') and table_type = 'BASE TABLE' order by 1`;
      expect(tables.map((r) => r.t)).toEqual(['auth.accounts', 'public.posts', 'public.users']);
      const again = context(project.dir, { json: true });
      expect((await push(again.ctx)).code).toBe(0);
      expect(JSON.parse(again.stdout()).status).toBe('nothing-to-push');
    } finally {
      await own.drop();
    }
  });
});

describe('through the binary', () => {
  it('DBCTL_ENV=production and the other ways around the guard: exit 3, untouched', async (test) => {
    const project = makeProject('binary', { environments });
    const help = await runDbctl(['push', '--help'], { cwd: project.dir });
    if (help.code !== 0 || !help.stdout.includes('--force')) test.skip(); // wired by src/cli.ts, built into dist/
    const before = await dump(prodDb);
    const runs: [string[], Record<string, string>][] = [
      [['push', '--force'], { DBCTL_ENV: 'production' }],
      [['push', '--force', '--yes', '--env', 'production'], {}],
      [['push', '--force', '--url', withDatabase(adminUrl(), PROD_DB)], {}],
      [['push', '--force', '--env', 'prod-eu'], {}],
      [['push', '--force', '--env', 'staging'], {}],
    ];
    for (const [args, env] of runs) {
      const result = await runDbctl(args, { cwd: project.dir, env: { ...vars, ...env } });
      expect(result.code, `${args.join(' ')} ${JSON.stringify(env)}: ${result.stderr}`).toBe(3);
      expect(result.stderr).toContain('push is refused');
    }
    expect(await dump(prodDb)).toBe(before);
  });
});
