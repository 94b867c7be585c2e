/**
 * dbctl generate writes what drizzle-kit generate writes. Two identical projects take the same
 * schema changes step by step: one through the real `drizzle-kit generate` (its rename prompts
 * answered through a pseudo-terminal), the other through dbctl's generate (answered with flags).
 * After every step both migrations folders must be the same: SQL byte for byte, journal but for
 * `when`, snapshots but for the values of `id`/`prevId` (and dbctl's chain of ids must hold).
 * Then drizzle-kit itself must accept dbctl's folder: `drizzle-kit check`, and `drizzle-kit
 * migrate` against a fresh database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import {
  CREATE,
  RENAME_FIRST,
  dbctlGenerate,
  expectSameFolder,
  makeProject,
  readFolder,
  runDrizzleKit,
  tempRoot,
  useSchema,
} from '../fixtures/generate/support.js';

const root = tempRoot('parity');
let kitProject: string;
let ourProject: string;
let db: TestDatabase;

beforeAll(async () => {
  kitProject = makeProject(root.dir, 'kit');
  ourProject = makeProject(root.dir, 'dbctl');
  db = await createTestDatabase('generate');
});

afterAll(async () => {
  await db?.drop();
  root.cleanup();
});

describe('dbctl generate writes what drizzle-kit generate writes', () => {
  it('v1: a new schema: enums, tables with indexes, unique index, foreign keys, check, sequence, view, a non-public schema', async () => {
    useSchema([kitProject, ourProject], 'v1');
    const kit = await runDrizzleKit(kitProject, ['generate', '--name', 'init']);
    expect(kit.code).toBe(0);
    const ours = await dbctlGenerate(ourProject, { name: 'init' });
    expect(ours.migration?.tag).toBe('0000_init');
    expectSameFolder(kitProject, ourProject);
    const sql = readFolder(ourProject).sql.get('0000_init.sql')!;
    expect(sql).toContain('CREATE SCHEMA "auth";');
    expect(sql).toContain('CREATE TYPE "auth"."provider"');
    expect(sql).toContain('CREATE SEQUENCE "public"."order_numbers"');
    expect(sql).toContain('CREATE VIEW "public"."active_users"');
    expect(sql).toContain('--> statement-breakpoint\n');
  });

  it('no schema change: nothing written, by either', async () => {
    const before = readFolder(ourProject).files;
    const kit = await runDrizzleKit(kitProject, ['generate']);
    expect(kit.output).toContain('No schema changes, nothing to migrate');
    const ours = await dbctlGenerate(ourProject);
    expect(ours.migration).toBeNull();
    expect(readFolder(ourProject).files).toEqual(before);
    expectSameFolder(kitProject, ourProject);
  });

  it('v2: add a column, drop a column, add an index', async () => {
    useSchema([kitProject, ourProject], 'v2');
    expect((await runDrizzleKit(kitProject, ['generate', '--name', 'bio'])).code).toBe(0);
    await dbctlGenerate(ourProject, { name: 'bio' });
    expectSameFolder(kitProject, ourProject);
    const sql = readFolder(ourProject).sql.get('0001_bio.sql')!;
    expect(sql).toContain('ALTER TABLE "users" ADD COLUMN "bio" text;');
    expect(sql).toContain('ALTER TABLE "posts" DROP COLUMN "legacy";');
  });

  it('v3: a column rename, answered with --rename users.name=users.full_name', async () => {
    useSchema([kitProject, ourProject], 'v3');
    const kit = await runDrizzleKit(kitProject, ['generate', '--name', 'full_name'], {
      answers: [{ prompt: 'Is full_name column in users table created or renamed', keys: RENAME_FIRST }],
    });
    expect(kit.code).toBe(0);
    const ours = await dbctlGenerate(ourProject, { name: 'full_name', rename: ['users.name=users.full_name'] });
    expect(ours.renames).toEqual([{ kind: 'column', from: 'users.name', to: 'users.full_name' }]);
    expectSameFolder(kitProject, ourProject);
    expect(readFolder(ourProject).sql.get('0002_full_name.sql')).toContain('ALTER TABLE "users" RENAME COLUMN "name" TO "full_name";');
  });

  it('v4: a table rename, answered with --rename posts=articles', async () => {
    useSchema([kitProject, ourProject], 'v4');
    const kit = await runDrizzleKit(kitProject, ['generate', '--name', 'articles'], {
      answers: [{ prompt: 'Is articles table created or renamed', keys: RENAME_FIRST }],
    });
    expect(kit.code).toBe(0);
    const ours = await dbctlGenerate(ourProject, { name: 'articles', rename: ['posts=articles'] });
    expect(ours.renames).toEqual([{ kind: 'table', from: 'posts', to: 'articles' }]);
    expectSameFolder(kitProject, ourProject);
    expect(readFolder(ourProject).sql.get('0003_articles.sql')).toContain('ALTER TABLE "posts" RENAME TO "articles";');
  });

  it('v5: in a non-public schema, a column rename (--rename auth.accounts.external_id=auth.accounts.subject) and a new table', async () => {
    useSchema([kitProject, ourProject], 'v5');
    const kit = await runDrizzleKit(kitProject, ['generate', '--name', 'auth_subject'], {
      answers: [{ prompt: 'Is subject column in accounts table created or renamed', keys: RENAME_FIRST }],
    });
    expect(kit.code).toBe(0);
    const ours = await dbctlGenerate(ourProject, { name: 'auth_subject', rename: ['auth.accounts.external_id=auth.accounts.subject'] });
    expect(ours.renames).toEqual([{ kind: 'column', from: 'auth.accounts.external_id', to: 'auth.accounts.subject' }]);
    expectSameFolder(kitProject, ourProject);
    const sql = readFolder(ourProject).sql.get('0004_auth_subject.sql')!;
    expect(sql).toContain('ALTER TABLE "auth"."accounts" RENAME COLUMN "external_id" TO "subject";');
    expect(sql).toContain('CREATE TABLE "auth"."sessions"');
  });

  it('v6: "a new column, not a rename", answered with --create users.about', async () => {
    useSchema([kitProject, ourProject], 'v6');
    const kit = await runDrizzleKit(kitProject, ['generate', '--name', 'about'], {
      answers: [{ prompt: 'Is about column in users table created or renamed', keys: CREATE }],
    });
    expect(kit.code).toBe(0);
    const ours = await dbctlGenerate(ourProject, { name: 'about', create: ['users.about'] });
    expect(ours.renames).toEqual([]);
    expectSameFolder(kitProject, ourProject);
    const sql = readFolder(ourProject).sql.get('0005_about.sql')!;
    expect(sql).toContain('ADD COLUMN "about" varchar(500)');
    expect(sql).toContain('DROP COLUMN "bio"');
  });

  it('--custom: an empty migration, as drizzle-kit generate --custom writes it', async () => {
    const kit = await runDrizzleKit(kitProject, ['generate', '--custom', '--name', 'seed']);
    expect(kit.code).toBe(0);
    const ours = await dbctlGenerate(ourProject, { custom: true, name: 'seed' });
    expect(ours.migration).toMatchObject({ tag: '0006_seed', custom: true });
    expectSameFolder(kitProject, ourProject);
    expect(readFolder(ourProject).sql.get('0006_seed.sql')).toBe('-- Custom SQL migration file, put your code below! --');
  });

  it('after a custom migration the schema still equals the newest snapshot: nothing to do', async () => {
    expect((await dbctlGenerate(ourProject)).migration).toBeNull();
  });

  it('drizzle-kit check accepts the folder dbctl wrote', async () => {
    const check = await runDrizzleKit(ourProject, ['check']);
    expect(check.code).toBe(0);
    expect(check.output).toMatch(/Everything's fine/);
  });

  it('drizzle-kit migrate applies the folder dbctl wrote', async () => {
    const migrate = await runDrizzleKit(ourProject, ['migrate'], { env: { DATABASE_URL: db.url } });
    expect(migrate.code, migrate.output).toBe(0);
    const rows = await db.sql<{ hash: string }[]>`select hash from drizzle.__drizzle_migrations order by id`;
    expect(rows).toHaveLength(7);
    const columns = await db.sql<{ table_schema: string; table_name: string; column_name: string }[]>`
      select table_schema, table_name, column_name from information_schema.columns
      where table_schema in ('public', 'auth') order by 1, 2, ordinal_position`;
    const names = columns.map((c) => `${c.table_schema}.${c.table_name}.${c.column_name}`);
    expect(names).toContain('public.users.full_name');
    expect(names).toContain('public.users.about');
    expect(names).not.toContain('public.users.bio');
    expect(names).toContain('public.articles.title');
    expect(names).toContain('auth.accounts.subject');
    expect(names).toContain('auth.sessions.expires_at');
    // And the applied schema is the schema in code: drizzle-kit finds nothing to push... via generate: no diff.
    expect((await dbctlGenerate(ourProject)).migration).toBeNull();
  });
});
