/**
 * `dbctl fix` on a real PostgreSQL: a database that matches gets nothing; a hand-made drift (ALTER
 * TABLE in psql) becomes a reviewed migration in drizzle's format taking the database to what its
 * applied migrations produce (replayed in a scratch database; the snapshot stays the newest one),
 * which `dbctl migrate` applies, after which there is no drift and nothing left to fix; a change
 * of the schema in code is not drift and stays out of the fix; a
 * migration that stopped part-way (a CREATE INDEX CONCURRENTLY that failed, leaving an invalid
 * index) is completed by a fix; migrations not applied yet stop it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/ops/context.js';
import { runFix, type FixDocument } from '../../src/commands/fix.js';
import { runMigrate } from '../../src/commands/migrate.js';
import { runResolve } from '../../src/commands/resolve.js';
import { loadProject } from '../../src/config/index.js';
import type { DrizzleSettings } from '../../src/config/types.js';
import { generateMigration } from '../../src/drizzle/generate/index.js';
import { snapshotOfMigration } from '../../src/drizzle/live/code.js';
import { detectDrift, schemaDiffersFromSnapshot } from '../../src/drizzle/live/drift.js';
import { isDbctlError } from '../../src/errors.js';
import { createOutput } from '../../src/io/output.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const root = path.join(repoRoot, '.tmp', `fix-${process.pid}-${Date.now().toString(36)}`);
const fixture = (name: string) => readFileSync(path.join(repoRoot, 'test/fixtures/generate/schemas', `${name}.ts`), 'utf8');

afterAll(() => rmSync(root, { recursive: true, force: true }));

function makeProject(name: string, schema: string): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(
    path.join(dir, 'drizzle.config.ts'),
    `export default { dialect: 'postgresql', schema: './src/schema.ts', out: './drizzle' };\n`,
  );
  writeFileSync(path.join(dir, 'dbctl.config.json'), JSON.stringify({ environments: { development: { url: 'env:DATABASE_URL' } } }));
  writeFileSync(path.join(dir, 'src/schema.ts'), schema);
  return dir;
}

function context(cwd: string, url: string, json = false): { ctx: CommandContext; stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  const out = createOutput(
    { json, color: false, verbose: false },
    {
      stdout: { write: (c: string) => (stdout += c) },
      stderr: { write: (c: string) => (stderr += c) },
      stdinIsTTY: false,
      ci: true,
      noColorEnv: true,
    },
  );
  return {
    ctx: {
      cwd,
      globals: { env: undefined, envExplicit: false, url: undefined, config: undefined, json, yes: false, verbose: false },
      out,
      env: { CI: '1', DATABASE_URL: url },
    },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

async function settingsOf(dir: string): Promise<DrizzleSettings> {
  return (await loadProject({ cwd: dir, configPath: undefined, env: {} })).drizzle;
}

async function generate(dir: string, name: string) {
  const s = await settingsOf(dir);
  return await generateMigration({
    configPath: s.configPath,
    baseDir: s.baseDir,
    dialect: s.dialect,
    schema: s.schema,
    out: s.out,
    prefix: s.prefix,
    casing: s.casing,
    name,
  });
}

const files = (dir: string) =>
  [...readdirSync(path.join(dir, 'drizzle')), ...readdirSync(path.join(dir, 'drizzle/meta')).map((f) => `meta/${f}`)].sort();
const journal = (dir: string) =>
  JSON.parse(readFileSync(path.join(dir, 'drizzle/meta/_journal.json'), 'utf8')) as {
    entries: { idx: number; tag: string; when: number; version: string; breakpoints: boolean }[];
  };

async function fails(run: Promise<number>): Promise<{ code: number; message: string; hint: string }> {
  try {
    return { code: await run, message: '', hint: '' };
  } catch (error) {
    if (!isDbctlError(error)) throw error;
    return { code: error.exitCode, message: error.message, hint: error.hint ?? '' };
  }
}

describe('dbctl fix after a hand-made ALTER TABLE', () => {
  let db: TestDatabase;
  let dir: string;
  let settings: DrizzleSettings;

  beforeAll(async () => {
    db = await createTestDatabase('fix');
    dir = makeProject('handmade', fixture('v1'));
    settings = await settingsOf(dir);
    await generate(dir, 'init');
    expect(await runMigrate(context(dir, db.url).ctx, {})).toBe(0);
  });
  afterAll(async () => db?.drop());

  it('a database that matches: says so, writes nothing, exit 0', async () => {
    const before = files(dir);
    const run = context(dir, db.url, true);
    expect(await runFix(run.ctx, {})).toBe(0);
    expect(run.stderr()).toContain('the database matches what its applied migrations produce');
    expect(run.stderr()).toContain('nothing to fix, nothing written');
    const document = JSON.parse(run.stdout()) as FixDocument;
    expect(document).toMatchObject({ env: 'development', status: 'up-to-date', migration: null, statements: [] });
    expect(files(dir)).toEqual(before);
  });

  it('writes the difference as a reviewed migration in drizzle format; migrate applies it; then no drift and nothing to fix', async () => {
    await db.sql.unsafe(`
      alter table users add column nickname text;
      alter table users alter column name drop not null;
      alter table posts drop column legacy;
      drop index users_name_idx;
      alter table users alter column mood set default 'sad';
      alter table auth.accounts drop constraint accounts_user_id_users_id_fk;
    `);
    const run = context(dir, db.url);
    expect(await runFix(run.ctx, {})).toBe(0);
    const out = run.stdout();
    expect(out).toContain(
      'the database differs from what its applied migrations produce (replayed 1 migration in a temporary database on the development server',
    );
    expect(out).toContain('column users.nickname: in the database, not in the migrations');
    expect(out).toContain('proven: applied to a copy of the live schema');
    expect(out).toContain('✓ wrote drizzle/0001_fix_development.sql');
    expect(out).toContain('ban-drop-column'); // the review of the new migration is printed
    expect(out).toContain('dbctl migrate --env development');

    const sql = readFileSync(path.join(dir, 'drizzle/0001_fix_development.sql'), 'utf8');
    const statements = sql.split('--> statement-breakpoint\n');
    // each statement succeeds whether or not its object is already as wanted (replays, other environments)
    expect(statements).toEqual(
      expect.arrayContaining([
        `ALTER TABLE "users" ALTER COLUMN "mood" SET DEFAULT 'ok';`,
        'ALTER TABLE "users" ALTER COLUMN "name" SET NOT NULL;',
        'ALTER TABLE "posts" ADD COLUMN IF NOT EXISTS "legacy" text;',
        'ALTER TABLE "auth"."accounts" DROP CONSTRAINT IF EXISTS "accounts_user_id_users_id_fk";',
        'ALTER TABLE "auth"."accounts" ADD CONSTRAINT "accounts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;',
        'ALTER TABLE "users" DROP COLUMN IF EXISTS "nickname";',
      ]),
    );
    expect(statements.join('\n')).toContain('CREATE INDEX IF NOT EXISTS "users_name_idx" ON "users" USING btree ("name"');
    expect(statements).toHaveLength(7);
    // drizzle's format: journal entry, snapshot chained to the previous one, snapshot = the schema in code
    const entries = journal(dir).entries;
    expect(entries.map((e) => e.tag)).toEqual(['0000_init', '0001_fix_development']);
    expect(entries[1]).toMatchObject({ idx: 1, version: '7', breakpoints: true });
    const previous = JSON.parse(readFileSync(path.join(dir, 'drizzle/meta/0000_snapshot.json'), 'utf8'));
    const written = JSON.parse(readFileSync(path.join(dir, 'drizzle/meta/0001_snapshot.json'), 'utf8'));
    expect(written.prevId).toBe(previous.id);
    expect(written.id).not.toBe(previous.id);
    const { id: _a, prevId: _b, ...writtenBody } = written;
    const { id: _c, prevId: _d, ...previousBody } = previous;
    expect(writtenBody).toEqual(previousBody); // the migrations' schema does not change: the same snapshot
    expect((await schemaDiffersFromSnapshot(settings)).differs).toBe(false); // generate would write nothing

    expect(await runMigrate(context(dir, db.url).ctx, {})).toBe(0);
    const drift = await detectDrift(db.sql, settings, await snapshotOfMigration(settings, '0001_fix_development'));
    expect(drift).toEqual({ drift: false, statements: [], summary: [] });
    const again = context(dir, db.url);
    expect(await runFix(again.ctx, {})).toBe(0);
    expect(again.stdout()).toContain('nothing to fix');
    expect(journal(dir).entries).toHaveLength(2);
  });

  it('--name names the migration; a change of the schema in code is not drift: it stays out of the fix, which says to generate it', async () => {
    writeFileSync(path.join(dir, 'src/schema.ts'), fixture('v2'));
    await db.sql.unsafe(`alter table users add column shadow int`);
    const run = context(dir, db.url);
    expect(await runFix(run.ctx, { name: 'repair_shadow' })).toBe(0);
    expect(existsSync(path.join(dir, 'drizzle/0002_repair_shadow.sql'))).toBe(true);
    const sql = readFileSync(path.join(dir, 'drizzle/0002_repair_shadow.sql'), 'utf8');
    expect(sql).toBe('ALTER TABLE "users" DROP COLUMN IF EXISTS "shadow";');
    expect(run.stdout()).toContain('run `dbctl generate` for it');
    expect(await runMigrate(context(dir, db.url).ctx, {})).toBe(0);
    expect((await detectDrift(db.sql, settings, await snapshotOfMigration(settings, '0002_repair_shadow'))).drift).toBe(false);
  });

  it('migrations not applied yet stop it (they would be repeated): exit 1, nothing written', async () => {
    writeFileSync(
      path.join(dir, 'src/schema.ts'),
      fixture('v2').replace("bio: text('bio'),", "bio: text('bio'),\n    website: text('website'),"),
    );
    await generate(dir, 'website');
    const before = files(dir);
    const result = await fails(runFix(context(dir, db.url).ctx, {}));
    expect(result.code).toBe(1);
    expect(result.message).toContain('0003_website');
    expect(result.hint).toContain('dbctl migrate');
    expect(files(dir)).toEqual(before);
    expect(await runMigrate(context(dir, db.url).ctx, {})).toBe(0);
  });
});

describe('dbctl fix after a migration that stopped part-way (an index left invalid)', () => {
  let db: TestDatabase;
  let dir: string;
  let settings: DrizzleSettings;

  const BASE = `
import { index, integer, pgTable, serial, text, uniqueIndex } from 'drizzle-orm/pg-core';
export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  name: text('name').notNull(),
});
`;
  const WITH_INDEX = `
import { index, integer, pgTable, serial, text, uniqueIndex } from 'drizzle-orm/pg-core';
export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  name: text('name').notNull(),
  nick: text('nick'),
}, (t) => [uniqueIndex('users_name_uidx').on(t.name).concurrently()]);
`;

  beforeAll(async () => {
    db = await createTestDatabase('fix_partial');
    dir = makeProject('partial', BASE);
    settings = await settingsOf(dir);
    await generate(dir, 'init');
    expect(await runMigrate(context(dir, db.url).ctx, {})).toBe(0);
    await db.sql`insert into users (name) values ('ada'), ('ada'), ('bob')`;
    writeFileSync(path.join(dir, 'src/schema.ts'), WITH_INDEX);
    const second = await generate(dir, 'name_index');
    expect(second.migration!.statements.join('\n')).toContain('CREATE UNIQUE INDEX CONCURRENTLY');
  });
  afterAll(async () => db?.drop());

  it('the migration fails part-way; fix completes it (the invalid index dropped and built again); resolve, migrate: no drift', async () => {
    expect(await runMigrate(context(dir, db.url).ctx, {})).toBe(1); // the duplicate names break the unique index
    const [state] = await db.sql`select indisvalid from pg_index where indexrelid = 'users_name_uidx'::regclass`;
    expect(state!.indisvalid).toBe(false);
    const [nick] =
      await db.sql`select count(*)::int as n from information_schema.columns where table_name = 'users' and column_name = 'nick'`;
    expect(nick!.n).toBe(1); // the part before the index was applied

    await db.sql`delete from users where id = (select max(id) from users where name = 'ada')`; // the data is repaired
    const run = context(dir, db.url);
    expect(await runFix(run.ctx, {})).toBe(0);
    const sql = readFileSync(path.join(dir, 'drizzle/0002_fix_development.sql'), 'utf8');
    expect(sql.split('--> statement-breakpoint\n')).toEqual([
      'DROP INDEX IF EXISTS "public"."users_name_uidx";',
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "users_name_uidx" ON "users" USING btree ("name" text_ops);',
    ]);
    expect(run.stdout()).toContain('dbctl resolve 0001_name_index --applied');
    expect(run.stdout()).toContain('invalid index users_name_uidx');

    expect(await runResolve(context(dir, db.url).ctx, { args: ['0001_name_index'], applied: true })).toBe(0);
    expect(await runMigrate(context(dir, db.url).ctx, {})).toBe(0);
    const [fixed] = await db.sql`select indisvalid from pg_index where indexrelid = 'users_name_uidx'::regclass`;
    expect(fixed!.indisvalid).toBe(true);
    expect((await detectDrift(db.sql, settings, await snapshotOfMigration(settings, '0002_fix_development'))).drift).toBe(false);
  });
});
