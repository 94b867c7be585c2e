/**
 * `dbctl revert TAG` on a real PostgreSQL: for an add-column, add-table, add-index and drop-column
 * migration, the revert migration written (drizzle format, no database needed) is applied with
 * `dbctl migrate`, and the schema is then equal to the schema before TAG, compared through
 * information_schema and pg_catalog. Also: renames are undone as renames, a migration that is not
 * the newest is undone on top of the later ones, the code to change back is named, the backup
 * holding the data a dropped column had is named with its `dbctl restore` command (and restoring
 * it brings the rows back), and an unknown TAG is exit 2.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/ops/context.js';
import { runMigrate } from '../../src/commands/migrate.js';
import { runRestore } from '../../src/commands/restore.js';
import { runRevert, type RevertDocument } from '../../src/commands/revert.js';
import { loadProject } from '../../src/config/index.js';
import { analyzeMigration } from '../../src/core/analyze.js';
import { splitStatements } from '../../src/core/statements.js';
import { generateMigration } from '../../src/drizzle/generate/index.js';
import { snapshotOfMigration } from '../../src/drizzle/live/code.js';
import { detectDrift, schemaDiffersFromSnapshot } from '../../src/drizzle/live/drift.js';
import { isDbctlError } from '../../src/errors.js';
import { createOutput } from '../../src/io/output.js';
import { loadSqlParser } from '../../src/sql/parser.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const root = path.join(repoRoot, '.tmp', `revert-${process.pid}-${Date.now().toString(36)}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const BASE = `
import { index, integer, pgEnum, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
export const role = pgEnum('role', ['admin', 'member']);
export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull(),
  role: role('role').notNull().default('member'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [uniqueIndex('users_email_idx').on(t.email)]);
export const posts = pgTable('posts', {
  id: serial('id').primaryKey(),
  authorId: integer('author_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  title: text('title').notNull(),
  body: text('body'),
});
`;

const CHANGES: Record<string, { schema: string; code: RegExp }> = {
  add_column: {
    schema: BASE.replace("  email: text('email').notNull(),\n", "  email: text('email').notNull(),\n  age: integer('age').default(0),\n"),
    code: /remove column users\.age from src\/schema\.ts/,
  },
  add_table: {
    schema: `${BASE}
export const comments = pgTable('comments', {
  id: serial('id').primaryKey(),
  postId: integer('post_id').notNull().references(() => posts.id),
  text: text('text').notNull(),
}, (t) => [index('comments_post_idx').on(t.postId)]);
`,
    code: /remove table comments from src\/schema\.ts/,
  },
  add_index: {
    schema: BASE.replace("  body: text('body'),\n});", "  body: text('body'),\n}, (t) => [index('posts_title_idx').on(t.title)]);"),
    code: /remove index posts_title_idx on posts from src\/schema\.ts/,
  },
  drop_column: {
    schema: BASE.replace("  body: text('body'),\n", ''),
    code: /add column posts\.body back to src\/schema\.ts \(text\)/,
  },
};

function makeProject(name: string): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(
    path.join(dir, 'drizzle.config.ts'),
    `export default { dialect: 'postgresql', schema: './src/schema.ts', out: './drizzle' };\n`,
  );
  writeFileSync(
    path.join(dir, 'dbctl.config.json'),
    JSON.stringify({ environments: { development: { url: 'env:DATABASE_URL' } }, backup: { dir: '.dbctl/backups' } }),
  );
  writeFileSync(path.join(dir, 'src/schema.ts'), BASE);
  return dir;
}

function context(cwd: string, url: string | undefined, json = false): { ctx: CommandContext; stdout: () => string; stderr: () => string } {
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
  const env: Record<string, string> = { CI: '1' };
  if (url) env.DATABASE_URL = url;
  return {
    ctx: {
      cwd,
      globals: { env: undefined, envExplicit: false, url: undefined, config: undefined, json, yes: false, verbose: false },
      out,
      env,
    },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

async function generate(dir: string, name: string, renames: string[] = []) {
  const s = (await loadProject({ cwd: dir, configPath: undefined, env: {} })).drizzle;
  const result = await generateMigration({
    configPath: s.configPath,
    baseDir: s.baseDir,
    dialect: s.dialect,
    schema: s.schema,
    out: s.out,
    prefix: s.prefix,
    casing: s.casing,
    name,
    renames,
  });
  expect(result.migration).not.toBeNull();
  return result.migration!;
}

async function migrate(dir: string, url: string): Promise<void> {
  const run = context(dir, url);
  const code = await runMigrate(run.ctx, {});
  expect(code, run.stdout() + run.stderr()).toBe(0);
}

/** The schema as PostgreSQL's catalogs describe it (column order aside), without drizzle's and dbctl's schemas. */
async function catalog(sql: postgres.Sql): Promise<string[]> {
  const own = `('pg_catalog', 'information_schema', 'drizzle', 'dbctl', 'dbctl_backups', 'pg_toast')`;
  const rows = await sql.unsafe(`
    select 'table ' || table_schema || '.' || table_name as line from information_schema.tables where table_schema not in ${own}
    union all
    select 'column ' || table_schema || '.' || table_name || '.' || column_name || ' ' || data_type || coalesce('(' || character_maximum_length || ')', '')
           || ' null=' || is_nullable || ' default=' || coalesce(column_default, '-') || ' udt=' || udt_name
      from information_schema.columns where table_schema not in ${own}
    union all
    select 'constraint ' || n.nspname || '.' || c.conname || ' ' || pg_get_constraintdef(c.oid)
      from pg_constraint c join pg_namespace n on n.oid = c.connamespace where n.nspname not in ${own}
    union all
    select 'index ' || schemaname || '.' || indexname || ' ' || indexdef from pg_indexes where schemaname not in ${own}
    union all
    select 'enum ' || n.nspname || '.' || t.typname || ' ' || string_agg(e.enumlabel, ',' order by e.enumsortorder)
      from pg_type t join pg_enum e on e.enumtypid = t.oid join pg_namespace n on n.oid = t.typnamespace
     where n.nspname not in ${own} group by n.nspname, t.typname
    union all
    select 'sequence ' || sequence_schema || '.' || sequence_name from information_schema.sequences where sequence_schema not in ${own}
    union all
    select 'schema ' || nspname from pg_namespace where nspname not in ${own} and nspname not like 'pg_%'
    order by 1`);
  return rows.map((r) => r.line as string);
}

async function code(run: Promise<number>): Promise<{ code: number; message: string }> {
  try {
    return { code: await run, message: '' };
  } catch (error) {
    if (!isDbctlError(error)) throw error;
    return { code: error.exitCode, message: error.message };
  }
}

describe('revert, applied with dbctl migrate: the schema equals the schema before TAG', () => {
  for (const [change, { schema, code: codeHint }] of Object.entries(CHANGES)) {
    it(`a migration that does ${change.replace('_', ' ')}`, async () => {
      const db: TestDatabase = await createTestDatabase(`revert_${change}`);
      try {
        const dir = makeProject(change);
        await generate(dir, 'init');
        await migrate(dir, db.url);
        await db.sql`insert into users (name, email) values ('ada', 'ada@example.com')`;
        await db.sql`insert into posts (author_id, title, body) values (1, 'hello', 'first body'), (1, 'again', 'second body')`;
        const before = await catalog(db.sql);

        writeFileSync(path.join(dir, 'src/schema.ts'), schema);
        const tag = (await generate(dir, change)).tag;
        await migrate(dir, db.url);
        expect(await catalog(db.sql)).not.toEqual(before);

        // revert needs no database: no DATABASE_URL at all
        const run = context(dir, undefined, false);
        expect(await runRevert(run.ctx, { args: [tag] })).toBe(0);
        const out = run.stdout();
        expect(out).toContain(`✓ wrote drizzle/0002_revert_${tag}.sql: undoes ${tag}`);
        expect(out).toMatch(codeHint);
        expect(out).toContain('dbctl migrate');
        const journal = JSON.parse(readFileSync(path.join(dir, 'drizzle/meta/_journal.json'), 'utf8'));
        expect(journal.entries.map((e: { tag: string }) => e.tag)).toEqual(['0000_init', tag, `0002_revert_${tag}`]);
        const [s0, s1, s2] = ['0000', '0001', '0002'].map((p) =>
          JSON.parse(readFileSync(path.join(dir, `drizzle/meta/${p}_snapshot.json`), 'utf8')),
        );
        expect(s2.prevId).toBe(s1.id);
        const body = ({ id: _i, prevId: _p, ...rest }: Record<string, unknown>) => rest;
        expect(body(s2)).toEqual(body(s0)); // the new snapshot is the snapshot before TAG

        await migrate(dir, db.url);
        expect(await catalog(db.sql)).toEqual(before);
        const settings = (await loadProject({ cwd: dir, configPath: undefined, env: {} })).drizzle;
        expect((await detectDrift(db.sql, settings, await snapshotOfMigration(settings, `0002_revert_${tag}`))).drift).toBe(false);
        // the code still has TAG's change until someone changes it back, as the output says
        expect((await schemaDiffersFromSnapshot(settings)).differs).toBe(true);
        writeFileSync(path.join(dir, 'src/schema.ts'), BASE);
        expect((await schemaDiffersFromSnapshot(settings)).differs).toBe(false);
      } finally {
        await db.drop();
      }
    });
  }
});

describe('revert of a migration that dropped data: the backup and the exact restore command', () => {
  it('names the backup dbctl took before TAG; after the revert is applied, restore brings the rows back', async () => {
    const db = await createTestDatabase('revert_backup');
    try {
      const dir = makeProject('backup');
      await generate(dir, 'init');
      await migrate(dir, db.url);
      await db.sql`insert into users (name, email) values ('ada', 'ada@example.com')`;
      await db.sql`insert into posts (author_id, title, body) values (1, 'hello', 'first body'), (1, 'again', 'second body')`;
      writeFileSync(path.join(dir, 'src/schema.ts'), CHANGES.drop_column!.schema);
      const migration = await generate(dir, 'drop_body');
      const parser = await loadSqlParser();
      const destroyed = analyzeMigration(parser, splitStatements(migration.sql)).flatMap((c) => c.destroys);
      expect(destroyed.map((d) => `${d.reason} ${d.table}.${d.column}`)).toEqual(['DROP COLUMN posts.body']);
      // `dbctl migrate` backs up what the destructive migration destroys, and records the backup id
      await migrate(dir, db.url);
      const [recorded] = await db.sql<{ backup_id: string }[]>`select backup_id from dbctl.migration_history where tag = ${migration.tag}`;
      const id = recorded!.backup_id;
      expect(id).toEqual(expect.any(String));

      const run = context(dir, undefined, true);
      expect(await runRevert(run.ctx, { args: [migration.tag], name: 'bring_body_back' })).toBe(0);
      const document = JSON.parse(run.stdout()) as RevertDocument;
      expect(document.migration?.tag).toBe('0002_bring_body_back');
      expect(document.statements).toEqual(['ALTER TABLE "posts" ADD COLUMN "body" text;']);
      expect(document.destroyed).toEqual(['DROP COLUMN public.posts.body']);
      expect(document.backups).toEqual([
        expect.objectContaining({ id, env: 'development', command: `dbctl restore ${id} --env development` }),
      ]);
      expect(run.stderr()).toContain(`dbctl restore ${id} --env development`);
      expect(document.codeChanges).toEqual(['add column posts.body back to src/schema.ts (text)']);

      await migrate(dir, db.url);
      const restore = context(dir, db.url);
      expect(await runRestore(restore.ctx, { args: [id] }), restore.stdout() + restore.stderr()).toBe(0);
      const rows = await db.sql`select title, body from posts order by id`;
      expect(rows.map((r) => [r.title, r.body])).toEqual([
        ['hello', 'first body'],
        ['again', 'second body'],
      ]);
    } finally {
      await db.drop();
    }
  });

  it('says so when no backup of TAG exists', async () => {
    const dir = makeProject('no-backup');
    await generate(dir, 'init');
    writeFileSync(path.join(dir, 'src/schema.ts'), CHANGES.drop_column!.schema);
    const tag = (await generate(dir, 'drop_body')).tag;
    const run = context(dir, undefined);
    expect(await runRevert(run.ctx, { args: [tag] })).toBe(0);
    expect(run.stdout()).toContain(`${tag} dropped data: DROP COLUMN public.posts.body`);
    expect(run.stdout()).toContain(`No backup taken for ${tag} was found`);
  });
});

describe('revert: renames, older migrations, unknown tags', () => {
  it('a rename is undone as a rename (the data stays)', async () => {
    const db = await createTestDatabase('revert_rename');
    try {
      const dir = makeProject('rename');
      await generate(dir, 'init');
      await migrate(dir, db.url);
      const before = await catalog(db.sql);
      writeFileSync(
        path.join(dir, 'src/schema.ts'),
        BASE.replace("title: text('title')", "headline: text('headline')").replace("pgTable('posts'", "pgTable('articles'"),
      );
      const migration = await generate(dir, 'renames', ['posts=articles', 'articles.title=articles.headline']);
      expect(migration.sql).toContain('RENAME');
      await migrate(dir, db.url);
      await db.sql`insert into users (name, email) values ('ada', 'ada@example.com')`;
      await db.sql`insert into articles (author_id, headline) values (1, 'kept')`;

      const run = context(dir, undefined);
      expect(await runRevert(run.ctx, { args: [migration.tag] })).toBe(0);
      const sql = readFileSync(path.join(dir, `drizzle/0002_revert_${migration.tag}.sql`), 'utf8');
      expect(sql).toContain('ALTER TABLE "articles" RENAME TO "posts";');
      expect(sql).toContain('ALTER TABLE "posts" RENAME COLUMN "headline" TO "title";');
      expect(sql, sql).not.toMatch(/DROP (TABLE|COLUMN)/); // the constraint named after the table is renamed back by a drop + add
      expect(run.stdout()).toContain('rename table articles back to posts in src/schema.ts');
      await migrate(dir, db.url);
      expect(await catalog(db.sql)).toEqual(before);
      const [row] = await db.sql`select title from posts`;
      expect(row!.title).toBe('kept');
    } finally {
      await db.drop();
    }
  });

  it('an older migration: only its changes are undone, on top of the later ones; overlaps are named', async () => {
    const db = await createTestDatabase('revert_older');
    try {
      const dir = makeProject('older');
      await generate(dir, 'init');
      writeFileSync(path.join(dir, 'src/schema.ts'), CHANGES.add_column!.schema);
      const addAge = (await generate(dir, 'add_age')).tag;
      // a later migration: a new table, and an index on the column the older one added
      writeFileSync(
        path.join(dir, 'src/schema.ts'),
        `${CHANGES.add_column!.schema.replace("(t) => [uniqueIndex('users_email_idx').on(t.email)]", "(t) => [uniqueIndex('users_email_idx').on(t.email), index('users_age_idx').on(t.age)]")}
export const tags = pgTable('tags', { id: serial('id').primaryKey(), label: text('label').notNull() });
`,
      );
      await generate(dir, 'tags');
      await migrate(dir, db.url);

      const run = context(dir, undefined, true);
      expect(await runRevert(run.ctx, { args: [addAge] })).toBe(0);
      const document = JSON.parse(run.stdout()) as RevertDocument;
      expect(document.later).toEqual(['0002_tags']);
      expect(document.statements).toEqual(['DROP INDEX "users_age_idx";', 'ALTER TABLE "users" DROP COLUMN "age";']);
      expect(document.overlaps).toEqual(['table users']);
      expect(run.stderr()).toContain(`${addAge} is not the newest migration`);
      expect(run.stderr()).toContain('also removed: index users_age_idx on users');
      await migrate(dir, db.url);
      const tables = await db.sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`;
      expect(tables.map((t) => t.table_name)).toEqual(['posts', 'tags', 'users']);
      const settings = (await loadProject({ cwd: dir, configPath: undefined, env: {} })).drizzle;
      const written = JSON.parse(readFileSync(path.join(dir, 'drizzle/meta/_journal.json'), 'utf8'));
      const last = written.entries[written.entries.length - 1].tag as string;
      expect((await detectDrift(db.sql, settings, await snapshotOfMigration(settings, last))).drift).toBe(false);
    } finally {
      await db.drop();
    }
  });

  it('a custom SQL migration (no schema change in its snapshot) cannot be inverted: exit 1, nothing written', async () => {
    const dir = makeProject('custom');
    await generate(dir, 'init');
    const s = (await loadProject({ cwd: dir, configPath: undefined, env: {} })).drizzle;
    const custom = await generateMigration({
      configPath: s.configPath,
      baseDir: s.baseDir,
      dialect: s.dialect,
      schema: s.schema,
      out: s.out,
      name: 'backfill',
      custom: true,
    });
    writeFileSync(custom.migration!.sqlPath, "UPDATE users SET name = 'x';");
    const before = readdirSync(path.join(dir, 'drizzle')).sort();
    const result = await code(runRevert(context(dir, undefined).ctx, { args: [custom.migration!.tag] }));
    expect(result.code).toBe(1);
    expect(result.message).toContain('custom SQL');
    expect(readdirSync(path.join(dir, 'drizzle')).sort()).toEqual(before);
  });

  it('an unknown TAG: exit 2, nothing written; a tag prefix (0001) is enough', async () => {
    const dir = makeProject('unknown');
    await generate(dir, 'init');
    writeFileSync(path.join(dir, 'src/schema.ts'), CHANGES.add_index!.schema);
    await generate(dir, 'title_index');
    const before = readdirSync(path.join(dir, 'drizzle')).sort();
    const unknown = await code(runRevert(context(dir, undefined).ctx, { args: ['0007_nope'] }));
    expect(unknown.code).toBe(2);
    expect(unknown.message).toContain('no migration 0007_nope');
    expect(readdirSync(path.join(dir, 'drizzle')).sort()).toEqual(before);
    expect((await code(runRevert(context(dir, undefined).ctx, { args: [] }))).code).toBe(2);
    expect(await runRevert(context(dir, undefined).ctx, { args: ['0001'] })).toBe(0);
    expect(readdirSync(path.join(dir, 'drizzle')).sort()).toContain('0002_revert_0001_title_index.sql');
  });
});
