/**
 * No row lost without a verified backup: migrations whose destruction the static plan misses
 * (dynamic EXECUTE in DO blocks, DML in CTEs, renames, search_path, CASCADE) are either rolled back
 * by PostgreSQL's pre-commit check with the data intact (UNPLANNED_DESTRUCTION), or applied after a
 * backup that restores identical rows. On a protected and an unprotected environment.
 */
import { describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { testProject, type TestProject } from '../support/project.js';

let project: TestProject | undefined;
let db: TestDatabase | undefined;

const PROD = { environments: { production: { url: 'env:DATABASE_URL', protected: true } } };

type Env = 'development' | 'production';

/** A seeded database: public.posts (3,000 rows), public.users (200) and archive.users (500). */
async function seeded(env: Env): Promise<TestProject> {
  db = await testDatabase('noloss');
  const p = await testProject(db.url, env === 'production' ? { dbctlConfig: PROD } : {});
  await p.addMigration({
    name: 'base',
    sql: [
      `CREATE TABLE "posts" ("id" serial PRIMARY KEY, "title" text NOT NULL, "bio" text);`,
      `CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" text NOT NULL);`,
      `CREATE SCHEMA "archive";`,
      `CREATE TABLE "archive"."users" ("id" serial PRIMARY KEY, "email" text NOT NULL);`,
    ],
  });
  expect((await p.dbctl(['migrate', '--env', env])).code).toBe(0);
  await db.sql`insert into posts (title, bio) select 'post ' || g, 'bio ' || g from generate_series(1, 3000) g`;
  await db.sql`insert into users (email) select 'u' || g || '@public' from generate_series(1, 200) g`;
  await db.sql`insert into archive.users (email) select 'u' || g || '@archive' from generate_series(1, 500) g`;
  return p;
}

/** md5 over the ordered rows of a table, or null when it does not exist. */
async function digest(table: string): Promise<string | null> {
  const [exists] = await db!.sql`select to_regclass(${table}) is not null as ok`;
  if (!exists!.ok) return null;
  const [row] = await db!.sql.unsafe(
    `select md5(coalesce(string_agg(t::text, E'\\n' order by t.id), '')) as h, count(*)::int as n from ${table} t`,
  );
  return `${row!.n}:${row!.h}`;
}

async function digests(): Promise<Record<string, string | null>> {
  return { posts: await digest('public.posts'), users: await digest('public.users'), archive: await digest('archive.users') };
}

/** The `dbctl migrate ...` command the refusal printed. */
function rerunCommand(stderr: string): string[] {
  const match = /`dbctl (migrate [^`]+)`/.exec(stderr);
  expect(match, stderr).not.toBeNull();
  return match![1]!.split(' ');
}

const routes: { name: string; sql: string[]; lost: string; restores: 'posts' | 'archive' }[] = [
  { name: 'do_truncate', sql: [`DO $$ BEGIN EXECUTE 'TRUNCATE posts'; END $$;`], lost: 'public.posts', restores: 'posts' },
  {
    name: 'cte_delete',
    sql: [`WITH d AS (DELETE FROM "posts" RETURNING 1) SELECT count(*) FROM d;`],
    lost: 'public.posts',
    restores: 'posts',
  },
  { name: 'do_drop', sql: [`DO $$ BEGIN DROP TABLE archive.users; END $$;`], lost: 'archive.users', restores: 'archive' },
  {
    name: 'rename_drop',
    sql: [`ALTER TABLE "posts" RENAME TO "posts_old";`, `DROP TABLE "posts_old";`],
    lost: 'public.posts',
    restores: 'posts',
  },
  {
    name: 'column_rename_drop',
    sql: [`ALTER TABLE "posts" RENAME COLUMN "bio" TO "bio_old";`, `ALTER TABLE "posts" DROP COLUMN "bio_old";`],
    lost: 'public.posts.bio',
    restores: 'posts',
  },
  {
    name: 'search_path_cascade',
    sql: [`SET search_path TO archive;`, `DROP TABLE users CASCADE;`],
    lost: 'archive.users',
    restores: 'archive',
  },
  // what no analysis can see into: only PostgreSQL's pre-commit check stands between these and the rows
  { name: 'opaque_execute', sql: [`DO $$ BEGIN EXECUTE 'TRUNC' || 'ATE ' || 'posts'; END $$;`], lost: 'public.posts', restores: 'posts' },
  { name: 'opaque_function', sql: [`SELECT wipe_archive();`], lost: 'archive.users', restores: 'archive' },
];

/**
 * Runs the migration as a user would; every route ends in one of two ways: applied with a backup
 * (then the backup restores identical rows), or refused with the database unchanged (then the
 * printed command applies it with the backup it needs, which restores identical rows).
 */
async function noRowLost(
  env: Env,
  route: (typeof routes)[number],
  before: Record<string, string | null>,
  args: string[] = [],
  url?: string,
): Promise<'backed-up' | 'refused'> {
  const overrides = url ? { DATABASE_URL: url } : undefined;
  let run = await project!.dbctl(['migrate', '--env', env, ...args, '--json'], overrides);
  let outcome: 'backed-up' | 'refused' = 'backed-up';
  if (env === 'production' && run.code === 3) {
    // the plan saw destruction: a protected environment needs --allow-destructive, nothing was applied
    expect(run.json().status).toBe('refused');
    expect(await digests()).toEqual(before);
    run = await project!.dbctl(['migrate', '--env', env, ...args, '--allow-destructive', '--json'], overrides);
  }
  if (run.code === 1) {
    outcome = 'refused';
    expect(run.json().error.code, run.stderr).toBe('UNPLANNED_DESTRUCTION');
    expect(run.stderr).toContain(route.lost);
    expect(run.stderr).toMatch(/statement \d+, line \d+ of drizzle\//);
    expect(run.json()).toMatchObject({ status: 'failed', applied: [] });
    expect(await digests()).toEqual(before);
    const [col] = await db!
      .sql`select count(*)::int as n from information_schema.columns where table_name = 'posts' and column_name = 'bio'`;
    expect(col!.n).toBe(1);
    const status = await project!.dbctl(['status', '--env', env, '--json'], overrides);
    expect(JSON.stringify(status.json())).toContain('pending');
    const command = rerunCommand(run.stderr);
    if (env === 'production') expect(command).toContain('--allow-destructive');
    run = await project!.dbctl([...command, '--json'], overrides);
  }
  expect(run.code, run.stderr).toBe(0);
  const backup = run.json().applied[0].backup;
  expect(typeof backup, run.stderr).toBe('string');
  const restored = await project!.dbctl(['restore', backup, '--env', env, ...(env === 'production' ? ['--allow-restore'] : [])], overrides);
  expect(restored.code, restored.stderr).toBe(0);
  expect((await digests())[route.restores], restored.stderr).toEqual(before[route.restores]);
  return outcome;
}

describe.each(['development', 'production'] as Env[])('no row lost on %s', (env) => {
  for (const route of routes) {
    it(`${route.name}: backed up and restorable, or refused with every row intact`, async () => {
      project = await seeded(env);
      await db!
        .sql`create function wipe_archive() returns void language plpgsql as $$ begin execute 'delete from archive.' || 'users'; end $$`;
      const before = await digests();
      await project.addMigration({ name: route.name, sql: route.sql });
      const outcome = await noRowLost(env, route, before);
      // what the analysis cannot see is caught by PostgreSQL itself
      if (route.name.startsWith('opaque')) expect(outcome).toBe('refused');
      // what it can see is resolved live (renames, search_path, DO blocks, CTEs) and backed up first
      else expect(outcome).toBe('backed-up');
    });
  }

  it('a url with ?search_path=archive,public and an unqualified DROP TABLE "users": archive.users is what is protected', async () => {
    project = await seeded(env);
    const before = await digests();
    await project.addMigration({ name: 'drop_users', sql: [`DROP TABLE "users";`] });
    expect(
      await noRowLost(
        env,
        { name: 'url', sql: [], lost: 'archive.users', restores: 'archive' },
        before,
        [],
        `${db!.url}?search_path=archive,public`,
      ),
    ).toBe('backed-up');
    expect(await digest('public.users')).toEqual(before.users);
  });

  it('--dry-run lists what the live database says would be backed up', async () => {
    project = await seeded(env);
    await project.addMigration({ name: 'drop_users', sql: [`SET search_path TO archive;`, `DROP TABLE users;`] });
    const plan = await project.dbctl(['migrate', '--env', env, '--dry-run', '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.json().plan[0].backup.join(' ')).toContain('archive.users');
    expect(plan.json().plan[0].backup.join(' ')).not.toContain('public.users');
  });

  it('options=-csearch_path=archive in the url and an unqualified TRUNCATE "users"', async () => {
    project = await seeded(env);
    const before = await digests();
    await project.addMigration({ name: 'truncate_users', sql: [`TRUNCATE "users";`] });
    expect(
      await noRowLost(
        env,
        { name: 'url', sql: [], lost: 'archive.users', restores: 'archive' },
        before,
        [],
        `${db!.url}?options=-csearch_path%3Darchive`,
      ),
    ).toBe('backed-up');
    expect(await digest('public.users')).toEqual(before.users);
  });

  it('a visible DELETE with WHERE is planned (no refusal, no backup); DELETE without WHERE is backed up', async () => {
    project = await seeded(env);
    await project.addMigration({ name: 'prune', sql: [`DELETE FROM "posts" WHERE "id" > 2990;`] });
    const pruned = await project.dbctl(['migrate', '--env', env, '--json']);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.json().applied[0].backup).toBeNull();
    expect((await digest('public.posts'))!.startsWith('2990:')).toBe(true);

    const before = await digest('public.posts');
    await project.addMigration({ name: 'wipe', sql: [`DELETE FROM "posts";`] });
    const wiped = await project.dbctl(['migrate', '--env', env, '--allow-destructive', '--json']);
    expect(wiped.code, wiped.stderr).toBe(0);
    const backup = wiped.json().applied[0].backup;
    expect(typeof backup).toBe('string');
    expect((await digest('public.posts'))!.startsWith('0:')).toBe(true);
    const restored = await project.dbctl(['restore', backup, '--env', env, ...(env === 'production' ? ['--allow-restore'] : [])]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(await digest('public.posts')).toEqual(before);
  });
});

describe('types and domains dropped with CASCADE', () => {
  it.each(['development', 'production'] as Env[])(
    'DROP TYPE … CASCADE / DROP DOMAIN … CASCADE back up the columns they drop (%s)',
    async (env) => {
      project = await seeded(env);
      await project.addMigration({
        name: 'typed',
        sql: [
          `CREATE TYPE "mood" AS ENUM ('happy', 'sad');`,
          `CREATE DOMAIN "posint" AS integer CHECK (VALUE > 0);`,
          `ALTER TABLE "posts" ADD COLUMN "mood" "mood";`,
          `ALTER TABLE "posts" ADD COLUMN "score" "posint";`,
        ],
      });
      expect((await project.dbctl(['migrate', '--env', env])).code).toBe(0);
      await db!.sql`update posts set mood = (case when id % 2 = 0 then 'happy' else 'sad' end)::mood, score = id`;
      const before = await digests();
      await project.addMigration({ name: 'drop_types', sql: [`DROP TYPE "mood" CASCADE;`, `DROP DOMAIN "posint" CASCADE;`] });
      if (env === 'production') {
        const refused = await project.dbctl(['migrate', '--env', env]);
        expect(refused.code, refused.stderr).toBe(3);
        expect(refused.stderr).toContain('public.posts');
        expect(await digests()).toEqual(before);
      }
      const applied = await project.dbctl(['migrate', '--env', env, '--allow-destructive', '--json']);
      expect(applied.code, applied.stderr).toBe(0);
      expect(typeof applied.json().applied[0].backup).toBe('string');
      const [cols] = await db!
        .sql`select count(*)::int as n from information_schema.columns where table_name = 'posts' and column_name in ('mood', 'score')`;
      expect(cols!.n).toBe(0);
    },
  );
});

describe('partitioned tables', () => {
  it.each(['development', 'production'] as Env[])(
    'dropping a column of the parent, a partition, the parent: each backed up first (%s)',
    async (env) => {
      project = await seeded(env);
      await project.addMigration({
        name: 'events',
        sql: [
          `CREATE TABLE "events" ("id" integer NOT NULL, "at" date NOT NULL, "note" text, PRIMARY KEY ("id", "at")) PARTITION BY RANGE ("at");`,
          `CREATE TABLE "events_2024" PARTITION OF "events" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');`,
          `CREATE TABLE "events_2025" PARTITION OF "events" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');`,
        ],
      });
      expect((await project.dbctl(['migrate', '--env', env])).code).toBe(0);
      await db!.sql`insert into events select g, date '2024-01-01' + (g % 700), 'note ' || g from generate_series(1, 2000) g`;
      const events = async () => {
        const [row] = await db!.sql`select count(*)::int as n, md5(string_agg(e::text, ',' order by e.id)) as h from events e`;
        return `${row!.n}:${row!.h}`;
      };
      const start = await events();
      const allow = env === 'production' ? ['--allow-destructive'] : [];
      for (const [name, sql] of [
        ['drop_note', `ALTER TABLE "events" DROP COLUMN "note";`],
        ['drop_partition', `DROP TABLE "events_2025";`],
        ['drop_parent', `DROP TABLE "events";`],
      ] as const) {
        const before = (await db!.sql`select to_regclass('events') is not null as ok`)[0]!.ok ? await events() : null;
        await project.addMigration({ name, sql: [sql] });
        const run = await project.dbctl(['migrate', '--env', env, ...allow, '--json']);
        expect(run.code, `${name}: ${run.stderr}`).toBe(0);
        expect(typeof run.json().applied[0].backup, `${name}: ${run.stderr}`).toBe('string');
        expect(before).not.toBeNull();
      }
      expect(start.startsWith('2000:')).toBe(true);
    },
  );
});

describe('objects that hold no rows destroy nothing', () => {
  it.each(['development', 'production'] as Env[])(
    'a table judged empty that gains rows before the migration locks it is backed up first (%s), never lost',
    async (env) => {
      project = await seeded(env);
      await project.addMigration({ name: 'drafts', sql: [`CREATE TABLE "drafts" ("id" integer PRIMARY KEY, "body" text);`] });
      expect((await project.dbctl(['migrate', '--env', env])).code).toBe(0);
      // an app transaction writes a row that the plan's read cannot see yet
      const app = await db!.sql.reserve();
      await app`begin`;
      await app`insert into drafts values (1, 'written while the migration was planned')`;
      await project.addMigration({ name: 'drop_drafts', sql: [`DROP TABLE "drafts";`] });
      const migrate = project.dbctl(['migrate', '--env', env, '--json']);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const [waiting] = await db!.sql`select count(*)::int as n from pg_locks where relation = to_regclass('drafts') and not granted`;
        if (waiting!.n > 0) break;
        if (Date.now() > deadline) throw new Error('the migration never waited for the table lock');
        await new Promise((r) => setTimeout(r, 25));
      }
      await app`commit`;
      app.release();
      const run = await migrate;
      if (env === 'production') {
        // judged empty, so not confirmed: rows appeared, so it is refused, with the row still there
        expect(run.code, run.stderr).toBe(3);
        expect(run.json()).toMatchObject({ status: 'refused', applied: [], error: { code: 'REFUSED' } });
        const [row] = await db!.sql`select count(*)::int as n from drafts`;
        expect(row!.n).toBe(1);
        return;
      }
      expect(run.code, run.stderr).toBe(0);
      const backup = run.json().applied[0].backup;
      expect(typeof backup).toBe('string');
      expect((await db!.sql`select to_regclass('drafts') is null as gone`)[0]!.gone).toBe(true);
      expect((await project.dbctl(['restore', backup])).code).toBe(0);
      const [row] = await db!.sql`select body from drafts where id = 1`;
      expect(row!.body).toBe('written while the migration was planned');
    },
  );

  it('a brand-new protected database applies its whole history without flags', async () => {
    db = await testDatabase('noloss');
    project = await testProject(db.url, { dbctlConfig: PROD });
    await project.addMigration({ name: 'create', sql: [`CREATE TABLE "profiles" ("id" serial PRIMARY KEY, "bio" text, "age" integer);`] });
    await project.addMigration({
      name: 'drop_bio',
      sql: [`ALTER TABLE "profiles" DROP COLUMN "bio";`, `ALTER TABLE "profiles" ALTER COLUMN "age" TYPE text;`],
    });
    await project.addMigration({ name: 'truncate', sql: [`DO $$ BEGIN EXECUTE 'TRUNCATE profiles'; END $$;`, `DROP TABLE "profiles";`] });
    // a migration that only rewrites (lossless type changes): PostgreSQL leaves the empty table on
    // new, empty storage, as a TRUNCATE would; its emptiness is then checked under lock
    await project.addMigration({ name: 'recreate', sql: [`CREATE TABLE "counters" ("id" serial PRIMARY KEY, "n" integer, "m" integer);`] });
    await project.addMigration({
      name: 'widen',
      sql: [`ALTER TABLE "counters" ALTER COLUMN "n" SET DATA TYPE bigint;`, `ALTER TABLE "counters" ALTER COLUMN "m" SET DATA TYPE text;`],
    });
    const run = await project.dbctl(['migrate', '--env', 'production', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json().applied.map((a: { backup: unknown }) => a.backup)).toEqual([null, null, null, null, null]);
  });

  it('lossless rewrites of tables with rows apply without a backup and keep every row; a hidden TRUNCATE beside one is still rolled back', async () => {
    const p = await seeded('production');
    const before = await digests();
    await p.addMigration({
      name: 'widen',
      sql: [
        `ALTER TABLE "posts" ALTER COLUMN "id" SET DATA TYPE bigint;`,
        `ALTER TABLE "posts" ALTER COLUMN "title" SET DATA TYPE varchar;`,
      ],
    });
    const widened = await p.dbctl(['migrate', '--env', 'production', '--json']);
    expect(widened.code, widened.stderr).toBe(0);
    expect(widened.json().applied.map((a: { backup: unknown }) => a.backup)).toEqual([null]);
    expect(await digests()).toEqual(before); // the same rows, the same text of every value

    await p.addMigration({
      name: 'hidden_truncate',
      sql: [`ALTER TABLE "users" ALTER COLUMN "id" SET DATA TYPE bigint;`, `DO $$ BEGIN EXECUTE 'TRUNC' || 'ATE ' || 'users'; END $$;`],
    });
    const refused = await p.dbctl(['migrate', '--env', 'production', '--allow-destructive', '--json']);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.json().error.code).toBe('UNPLANNED_DESTRUCTION');
    expect(refused.stderr).toContain('public.users emptied');
    expect(await digests()).toEqual(before);
  });

  it("a data migration's row counts are not blamed on the next migration of the run (PostgreSQL reports counts not yet flushed as the transaction's)", async () => {
    const p = await seeded('development');
    // 0001 updates every post (backed up first); 0002 only adds a column to the same table, in the
    // same run, before the backend has flushed 0001's counters
    await p.addMigration({ name: 'reset_bio', sql: [`UPDATE "posts" SET "bio" = 'reset';`] });
    await p.addMigration({ name: 'add_flag', sql: [`ALTER TABLE "posts" ADD COLUMN "flag" boolean DEFAULT false NOT NULL;`] });
    // one that must open its transaction: the counters are read after its SET TRANSACTION
    await p.addMigration({
      name: 'serializable',
      sql: ['SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;', `ALTER TABLE "posts" ADD COLUMN "flag2" boolean DEFAULT false NOT NULL;`],
    });
    const run = await p.dbctl(['migrate', '--env', 'development', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const applied = run.json().applied as { tag: string; backup: string | null }[];
    expect(applied.map((a) => a.tag)).toEqual(['0001_reset_bio', '0002_add_flag', '0003_serializable']);
    expect(applied[0]!.backup).not.toBeNull();
    expect(applied.slice(1).map((a) => a.backup)).toEqual([null, null]);
    // and a real update in the second migration is still seen: an UPDATE hidden in a DO block
    await p.addMigration({ name: 'reset_again', sql: [`UPDATE "posts" SET "bio" = 'again' WHERE "id" < 10;`] });
    await p.addMigration({ name: 'hidden_update', sql: [`DO $$ BEGIN EXECUTE 'UPDATE users SET email = email || ''x'''; END $$;`] });
    const before = await digest('public.users');
    const refused = await p.dbctl(['migrate', '--env', 'development', '--no-backup', '--json']);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.json().error.code).toBe('UNPLANNED_DESTRUCTION');
    expect(await digest('public.users')).toBe(before);
  });
});
