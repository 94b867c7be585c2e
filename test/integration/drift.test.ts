/**
 * Drift detection and "schema in code vs newest snapshot", on a real PostgreSQL.
 *
 * The property that matters most: a database migrated exactly by the folder shows NO drift, on
 * schemas with enums, foreign keys, indexes (descending, partial, on expressions), unique and
 * check constraints, defaults of every kind, identity and serial columns, generated columns,
 * sequences, views, composite primary keys, tables in a non-public schema, names longer than
 * PostgreSQL's 63 bytes, snake_case casing, and a history with renames. Then each kind of
 * hand-made change is detected and described, and dbctl's and drizzle's own tables never are.
 * Migrations are applied with drizzle-orm's own migrator (what `drizzle-kit migrate` runs).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/index.js';
import type { DrizzleSettings } from '../../src/config/types.js';
import { generateMigration } from '../../src/drizzle/generate/index.js';
import { canonicalDefault, canonicalType, sameDefault } from '../../src/drizzle/live/align.js';
import { codeSnapshot, emptySnapshot, newestSnapshot, snapshotOfMigration } from '../../src/drizzle/live/code.js';
import { diffLive } from '../../src/drizzle/live/diff.js';
import { isDbctlError } from '../../src/errors.js';
import { detectDrift, schemaDiffersFromSnapshot } from '../../src/drizzle/live/drift.js';
import { introspect } from '../../src/drizzle/live/introspect.js';
import { createTestDatabase, supportsNullsNotDistinct, type TestDatabase } from '../support/db.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const root = path.join(repoRoot, '.tmp', `drift-${process.pid}-${Date.now().toString(36)}`);
const fixture = (name: string) => readFileSync(path.join(repoRoot, 'test/fixtures/generate/schemas', `${name}.ts`), 'utf8');

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A project with a drizzle config and `src/schema.ts`. */
function makeProject(name: string, schema: string, drizzleExtra = ''): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(
    path.join(dir, 'drizzle.config.ts'),
    `export default { dialect: 'postgresql', schema: './src/schema.ts', out: './drizzle'${drizzleExtra} };\n`,
  );
  writeFileSync(path.join(dir, 'src/schema.ts'), schema);
  return dir;
}

async function settingsOf(dir: string): Promise<DrizzleSettings> {
  return (await loadProject({ cwd: dir, configPath: undefined, env: {} })).drizzle;
}

/** dbctl generate (the library function) with the schema now in src/schema.ts. */
async function generate(dir: string, name: string, renames: string[] = []) {
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
    renames,
  });
}

/** drizzle-orm's migrator, as `drizzle-kit migrate` runs it. */
async function drizzleMigrate(sql: postgres.Sql, dir: string, settings?: DrizzleSettings): Promise<void> {
  await migrate(drizzle(sql), {
    migrationsFolder: path.join(dir, 'drizzle'),
    ...(settings ? { migrationsTable: settings.migrationsTable, migrationsSchema: settings.migrationsSchema } : {}),
  });
}

/** The snapshot of the newest migration in the journal (all applied in these tests). */
async function appliedSnapshot(dir: string) {
  const s = await settingsOf(dir);
  const journal = JSON.parse(readFileSync(path.join(dir, 'drizzle/meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] };
  const last = journal.entries[journal.entries.length - 1];
  return last ? await snapshotOfMigration(s, last.tag) : await emptySnapshot(s);
}

const WIDE = `
import { sql } from 'drizzle-orm';
import {
  bigint, bigserial, boolean, char, check, date, doublePrecision, foreignKey, index, integer, interval, json, jsonb, numeric,
  pgEnum, pgSchema, pgSequence, pgTable, pgView, primaryKey, real, serial, smallint, smallserial, text, time, timestamp, unique, uniqueIndex, uuid, varchar,
} from 'drizzle-orm/pg-core';

export const status = pgEnum('status', ['draft', 'published', 'archived']);
export const invoiceSeq = pgSequence('invoice_seq', { startWith: 100, increment: 2, minValue: 1, maxValue: 100000, cache: 5 });

export const orgs = pgTable('orgs', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  slug: varchar('slug', { length: 64 }).notNull().unique(),
  name: text('name').notNull().default('unnamed'),
  quote: text('quote').default("it's"),
  active: boolean('active').notNull().default(true),
  score: numeric('score', { precision: 10, scale: 2 }).default('0.00'),
  ratio: doublePrecision('ratio').default(1.5),
  r: real('r').default(-2),
  meta: jsonb('meta').notNull().default({}),
  metaJ: json('meta_j').default({ a: 1, b: [1, 2] }),
  tags: text('tags').array().notNull().default(sql\`'{}'::text[]\`),
  labels: text('labels').array().default(['a', 'b c']),
  nums: integer('nums').array().default([1, 2]),
  code: char('code', { length: 3 }).default('abc'),
  born: date('born').defaultNow(),
  at: time('at'),
  dur: interval('dur').default('1 day'),
  createdAt: timestamp('created_at', { precision: 3, withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { mode: 'string' }).default(sql\`now()\`),
  big: bigint('big', { mode: 'number' }).default(0),
  small: smallint('small').default(1),
  state: status('state').notNull().default('draft'),
  states: status('states').array(),
  uid: uuid('uid').defaultRandom(),
  full: text('full').generatedAlwaysAs(sql\`name || ' (' || slug || ')'\`),
});

export const members = pgTable('members', {
  orgId: integer('org_id').notNull(),
  userId: bigserial('user_id', { mode: 'number' }).notNull(),
  role: varchar('role', { length: 20 }).notNull().default('member'),
  s: smallserial('s'),
  idn: bigint('idn', { mode: 'number' }).generatedByDefaultAsIdentity({ startWith: 10, increment: 5 }),
}, (t) => [
  primaryKey({ columns: [t.orgId, t.userId] }),
  foreignKey({ columns: [t.orgId], foreignColumns: [orgs.id], name: 'members_org_fk' }).onDelete('cascade').onUpdate('restrict'),
  unique('members_role_uq').on(t.orgId, t.role)${supportsNullsNotDistinct ? '.nullsNotDistinct()' : ''},
  index('members_role_idx').on(t.role.desc().nullsFirst()),
  index('members_partial_idx').on(t.userId).where(sql\`\${t.role} = 'admin'\`),
  index('members_expr_idx').on(sql\`lower(\${t.role})\`),
  check('members_role_check', sql\`\${t.role} in ('member', 'admin')\`),
]);

export const orgNames = pgView('org_names').as((qb) => qb.select({ id: orgs.id, name: orgs.name }).from(orgs));

export const shop = pgSchema('shop');
export const kind = shop.enum('kind', ['a', 'b']);
export const shopSeq = shop.sequence('shop_seq');
export const items = shop.table('items', {
  id: serial('id').primaryKey(),
  orgId: integer('org_id').references(() => orgs.id, { onDelete: 'set null' }),
  kind: kind('kind').default('a'),
  label: text('label').default('x'),
  price: numeric('price'),
}, (t) => [uniqueIndex('items_label_idx').on(t.label)]);
`;

const LONG = `
import { foreignKey, index, integer, pgTable, serial, text, unique } from 'drizzle-orm/pg-core';

export const parentsWithAVeryLongNameForTesting = pgTable('parents_with_a_very_long_name_for_testing_identifier_limits', {
  id: serial('id').primaryKey(),
  aVeryLongColumnNameThatIsDescriptive: text('a_very_long_column_name_that_is_descriptive_and_long'),
});

export const childrenWithAVeryLongName = pgTable('children_with_a_very_long_name_for_testing_identifier_limits', {
  id: serial('id').primaryKey(),
  parentIdentifierThatIsAlsoQuiteLong: integer('parent_identifier_that_is_also_quite_long').references(() => parentsWithAVeryLongNameForTesting.id),
  anotherRatherLongColumnName: text('another_rather_long_column_name_for_the_index').unique(),
}, (t) => [index('children_with_a_very_long_name_index_on_two_columns_that_goes_past_the_limit').on(t.anotherRatherLongColumnName, t.parentIdentifierThatIsAlsoQuiteLong)]);
`;

const TYPES = `
import { sql } from 'drizzle-orm';
import { pgTable, serial, varchar, timestamp, time, inet, cidr, macaddr, point, line, text, char, numeric, bigint, integer, doublePrecision, boolean, date, jsonb, uuid, pgEnum, index } from 'drizzle-orm/pg-core';
export const e = pgEnum('color', ['red', 'green']);
export const t = pgTable('t', {
  id: serial('id').primaryKey(),
  v: varchar('v'),
  v2: varchar('v2', { length: 10 }).default(''),
  ts: timestamp('ts', { precision: 6 }).default(sql\`CURRENT_TIMESTAMP\`),
  tsz: timestamp('tsz', { withTimezone: true, mode: 'date' }).default(sql\`now()\`),
  tt: time('tt', { withTimezone: true }),
  ip: inet('ip').default('127.0.0.1'),
  net: cidr('net'),
  mac: macaddr('mac'),
  p: point('p'),
  l: line('l'),
  c: char('c'),
  n: numeric('n', { precision: 5 }).default('1'),
  b: bigint('b', { mode: 'bigint' }).default(sql\`'9007199254740993'::bigint\`),
  neg: integer('neg').default(-5),
  d: doublePrecision('d').default(0.1),
  bo: boolean('bo').default(false),
  dt: date('dt').default('2024-01-01'),
  j: jsonb('j').default(sql\`'[]'::jsonb\`),
  j2: jsonb('j2').default([1, 'a']),
  u: uuid('u').default(sql\`gen_random_uuid()\`),
  col: e('col').array().default(sql\`'{red}'::color[]\`),
  txt: text('txt').default(sql\`'a' || 'b'\`),
  lower: text('lower').default(sql\`lower('X')\`),
  arr2: integer('arr2').array().array(),
}, (t) => [index('t_v_idx').on(t.v).with({ fillfactor: 70 }), index('t_j_gin').using('gin', t.j)]);
`;

describe('a database migrated exactly by the folder shows no drift', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('drift_none');
  });
  afterAll(async () => db?.drop());

  const cases: { name: string; steps: { schema: string; renames?: string[] }[]; drizzle?: string }[] = [
    { name: 'v1 fixture: enum, FKs, indexes, unique index, check, sequence, view, non-public schema', steps: [{ schema: fixture('v1') }] },
    {
      name: 'every default, identity/serial, composite PK, unique NULLS NOT DISTINCT, partial/expression/desc indexes, generated column',
      steps: [{ schema: WIDE }],
    },
    { name: 'names longer than 63 bytes (truncated by PostgreSQL)', steps: [{ schema: LONG }] },
    {
      name: 'more types and defaults: char, numeric(p), inet, point, expressions, casts, index storage parameters, gin',
      steps: [{ schema: TYPES }],
    },
    { name: "casing: 'snake_case'", steps: [{ schema: fixture('snake') }], drizzle: `, casing: 'snake_case'` },
    {
      name: 'a history: added and dropped columns, renamed column, renamed table, rename in a non-public schema, new table',
      steps: [
        { schema: fixture('v1') },
        { schema: fixture('v2') },
        { schema: fixture('v3'), renames: ['users.name=users.full_name'] },
        { schema: fixture('v4'), renames: ['posts=articles'] },
        { schema: fixture('v5'), renames: ['auth.accounts.external_id=auth.accounts.subject'] },
      ],
    },
  ];

  for (const [index, shape] of cases.entries()) {
    it(shape.name, async () => {
      const dir = makeProject(`none-${index}`, shape.steps[0]!.schema, shape.drizzle ?? '');
      const schemaName = `s${index}`;
      // each case in a schema of its own? No: each in a database of its own.
      const own = await createTestDatabase(`drift_${schemaName}`);
      try {
        for (const [step, { schema, renames }] of shape.steps.entries()) {
          writeFileSync(path.join(dir, 'src/schema.ts'), schema);
          const result = await generate(dir, `step${step}`, renames);
          expect(result.migration).not.toBeNull();
        }
        await drizzleMigrate(own.sql, dir);
        const settings = await settingsOf(dir);
        const drift = await detectDrift(own.sql, settings, await appliedSnapshot(dir));
        expect(drift.statements).toEqual([]);
        expect(drift.summary).toEqual([]);
        expect(drift.drift).toBe(false);
        expect((await schemaDiffersFromSnapshot(settings)).differs).toBe(false);
      } finally {
        await own.drop();
      }
    });
  }

  it('an empty database and an empty folder: no drift; drizzle and dbctl schemas are not part of the schema', async () => {
    const dir = makeProject('empty', 'export {};\n');
    const settings = await settingsOf(dir);
    await db.sql.unsafe(
      `create schema if not exists drizzle; create table drizzle.__drizzle_migrations (id serial primary key, hash text, created_at bigint)`,
    );
    await db.sql.unsafe(`create schema if not exists dbctl; create table dbctl.history (id serial primary key)`);
    await db.sql.unsafe(`create schema if not exists dbctl_backups; create table dbctl_backups.t (id int)`);
    const drift = await detectDrift(db.sql, settings, await emptySnapshot(settings));
    expect(drift).toEqual({ drift: false, statements: [], summary: [] });
  });

  it('a declared schema without tables, owned by a role that cannot log in, exists', async () => {
    const own = await createTestDatabase('drift_nologin');
    try {
      const dir = makeProject('nologin', `import { pgSchema } from 'drizzle-orm/pg-core';\nexport const vault = pgSchema('vault');\n`);
      await generate(dir, 'init');
      await drizzleMigrate(own.sql, dir);
      const role = `${own.name}_owner`;
      await own.sql.unsafe(`create role "${role}" nologin; alter schema vault owner to "${role}"`);
      try {
        expect((await detectDrift(own.sql, await settingsOf(dir), await appliedSnapshot(dir))).drift).toBe(false);
      } finally {
        await own.sql.unsafe(`alter schema vault owner to current_user; drop role "${role}"`);
      }
    } finally {
      await own.drop();
    }
  });

  it('tablesFilter and schemaFilter: tables they leave out are not drift', async () => {
    const own = await createTestDatabase('drift_filters');
    try {
      const dir = makeProject('filters', fixture('v1'), `, tablesFilter: ['!legacy_*']`);
      await generate(dir, 'init');
      await drizzleMigrate(own.sql, dir);
      await own.sql.unsafe(`create table legacy_stuff (id serial primary key); create schema other; create table other.things (id int)`);
      const settings = await settingsOf(dir);
      expect((await detectDrift(own.sql, settings, await appliedSnapshot(dir))).drift).toBe(false);
      await own.sql.unsafe(`create table not_filtered (id int)`);
      expect((await detectDrift(own.sql, settings, await appliedSnapshot(dir))).summary).toEqual([
        'table not_filtered: in the database, not in the migrations',
      ]);
    } finally {
      await own.drop();
    }
  });

  it("drizzle's migrations table in public (migrations.schema 'public') is not part of the schema", async () => {
    const own = await createTestDatabase('drift_public_table');
    try {
      const dir = makeProject('public-migrations', fixture('v1'), `, migrations: { schema: 'public', table: 'migrations_log' }`);
      await generate(dir, 'init');
      const settings = await settingsOf(dir);
      await drizzleMigrate(own.sql, dir, settings);
      const [row] = await own.sql`select to_regclass('public.migrations_log')::text as t`;
      expect(row!.t).toBe('migrations_log');
      expect((await detectDrift(own.sql, settings, await appliedSnapshot(dir))).drift).toBe(false);
    } finally {
      await own.drop();
    }
  });
});

describe('hand-made changes are drift', () => {
  let db: TestDatabase;
  let dir: string;
  let settings: DrizzleSettings;

  beforeAll(async () => {
    db = await createTestDatabase('drift_yes');
    dir = makeProject('drifted', fixture('v1'));
    await generate(dir, 'init');
    settings = await settingsOf(dir);
    await drizzleMigrate(db.sql, dir);
  });
  afterAll(async () => db?.drop());

  /** Runs `change` in a transaction, checks the drift inside it, rolls back. */
  async function driftAfter(change: string): Promise<{ drift: boolean; statements: string[]; summary: string[] }> {
    const expected = await appliedSnapshot(dir);
    let result: { drift: boolean; statements: string[]; summary: string[] } | undefined;
    await db.sql
      .begin(async (tx) => {
        await tx.unsafe(change);
        result = await detectDrift(tx, settings, expected);
        throw new Error('rollback');
      })
      .catch((error: Error) => {
        if (error.message !== 'rollback') throw error;
      });
    return result!;
  }

  it('none before any change', async () => {
    expect((await detectDrift(db.sql, settings, await appliedSnapshot(dir))).drift).toBe(false);
  });

  const changes: [string, string, string][] = [
    ['a column added', 'alter table users add column nick text', 'column users.nick: in the database, not in the migrations'],
    ['a column dropped', 'alter table posts drop column legacy', 'column posts.legacy: missing in the database'],
    [
      'a type changed',
      'alter table posts alter column author_id type bigint',
      'column posts.author_id: type bigint in the database, integer in the migrations',
    ],
    [
      'NOT NULL dropped',
      'alter table users alter column name drop not null',
      'column users.name: nullable in the database, NOT NULL in the migrations',
    ],
    [
      'NOT NULL added',
      'alter table users alter column age set not null',
      'column users.age: NOT NULL in the database, nullable in the migrations',
    ],
    [
      'a default changed',
      "alter table posts alter column title set default 'untitled'",
      'column posts.title: has a default in the database, none in the migrations',
    ],
    [
      'a default dropped',
      'alter table users alter column created_at drop default',
      'column users.created_at: default none in the database, now() in the migrations',
    ],
    [
      'a default value changed',
      "alter table users alter column mood set default 'sad'",
      "column users.mood: default 'sad' in the database, 'ok' in the migrations",
    ],
    [
      'a type length changed',
      'alter table posts alter column title set data type varchar(10)',
      'column posts.title: type varchar(10) in the database, text in the migrations',
    ],
    ['an index dropped', 'drop index users_name_idx', 'index users_name_idx on users: missing in the database'],
    [
      'an index added',
      'create index posts_title_idx on posts (title)',
      'index posts_title_idx on posts: in the database, not in the migrations',
    ],
    [
      'a unique constraint added',
      'alter table users add constraint users_name_key unique (name)',
      'unique constraint users_name_key on users: in the database, not in the migrations',
    ],
    [
      'a foreign key dropped',
      'alter table posts drop constraint posts_author_id_users_id_fk',
      'foreign key posts_author_id_users_id_fk on posts: missing in the database',
    ],
    [
      'a check dropped',
      'alter table users drop constraint users_age_check',
      'check constraint users_age_check on users: missing in the database',
    ],
    ['an enum value added', "alter type mood add value 'angry'", "enum mood: value 'angry' in the database, not in the migrations"],
    ['a table created', 'create table extra (id int)', 'table extra: in the database, not in the migrations'],
    ['a table dropped', 'drop table posts', 'table posts: missing in the database'],
    [
      'a column in a non-public schema',
      'alter table auth.accounts add column note text',
      'column auth.accounts.note: in the database, not in the migrations',
    ],
    ['a schema dropped', 'drop schema auth cascade', 'schema auth: missing in the database'],
    ['a sequence dropped', 'drop sequence order_numbers', 'sequence order_numbers: missing in the database'],
    ['a view dropped', 'drop view active_users', 'view active_users: missing in the database'],
  ];
  for (const [what, change, line] of changes) {
    it(what, async () => {
      const result = await driftAfter(change);
      expect(result.drift).toBe(true);
      expect(result.statements.length).toBeGreaterThan(0);
      expect(result.summary).toContain(line);
    });
  }

  it('an index left invalid by a failed CREATE INDEX CONCURRENTLY counts as missing', async () => {
    await db.sql.unsafe(`insert into users (name, email) values ('a', 'a@x'), ('a', 'b@x')`);
    await db.sql.unsafe(`drop index users_name_idx`);
    await db.sql.unsafe(`create unique index concurrently users_name_idx on users (name)`).catch(() => undefined);
    const [invalid] = await db.sql`select not indisvalid as invalid from pg_index where indexrelid = 'users_name_idx'::regclass`;
    expect(invalid!.invalid).toBe(true);
    const drift = await detectDrift(db.sql, settings, await appliedSnapshot(dir));
    expect(drift.summary).toContain('index users_name_idx on users: missing in the database');
    await db.sql.unsafe(`drop index users_name_idx; create index users_name_idx on users using btree (name); delete from users`);
    expect((await detectDrift(db.sql, settings, await appliedSnapshot(dir))).drift).toBe(false);
  });

  it('introspect reads the live schema as a drizzle snapshot (schemaFilter, no dbctl/drizzle schemas)', async () => {
    const live = await introspect(db.sql, settings);
    expect(Object.keys(live.tables as object).sort()).toEqual(['public.posts', 'public.users']);
    const withAuth = await introspect(db.sql, settings, { schemas: ['auth', 'drizzle'] });
    expect(Object.keys(withAuth.tables as object).sort()).toEqual(['auth.accounts', 'public.posts', 'public.users']);
  });
});

describe('the schema in code against the newest snapshot', () => {
  it('no difference right after generate; a difference after a code change, described', async () => {
    const dir = makeProject('code-vs-snapshot', fixture('v1'));
    const settings = await settingsOf(dir);
    expect((await schemaDiffersFromSnapshot(settings)).differs).toBe(true); // nothing generated yet
    await generate(dir, 'init');
    expect(await schemaDiffersFromSnapshot(settings)).toEqual({ differs: false, statements: [], summary: [] });
    writeFileSync(path.join(dir, 'src/schema.ts'), fixture('v2'));
    const forgotten = await schemaDiffersFromSnapshot(settings);
    expect(forgotten.differs).toBe(true);
    expect(forgotten.statements).toContain('ALTER TABLE "users" ADD COLUMN "bio" text;');
    expect(forgotten.summary).toContain('column users.bio: missing in the migrations');
    expect(forgotten.summary).toContain('column posts.legacy: in the migrations, not in the schema in code');
    // a rename in code is not an error here: it differs (drop + add until generate answers it)
    writeFileSync(path.join(dir, 'src/schema.ts'), fixture('v3'));
    expect((await schemaDiffersFromSnapshot(settings)).differs).toBe(true);
    const newest = await newestSnapshot(settings);
    expect(Object.keys(newest.tables as object)).toContain('public.users');
  });
});

describe('diffLive', () => {
  it('an unanswered rename is the exit-2 error with the flags; the answer makes it a RENAME', async () => {
    const dir = makeProject('difflive', fixture('v2'));
    await generate(dir, 'init');
    writeFileSync(path.join(dir, 'src/schema.ts'), fixture('v3'));
    const settings = await settingsOf(dir);
    const [from, to] = [await newestSnapshot(settings), await codeSnapshot(settings)];
    const error = await diffLive(from, to, { command: 'fix' }, 'generate').catch((caught: unknown) => caught);
    expect(isDbctlError(error) && error.exitCode).toBe(2);
    expect(isDbctlError(error) && error.message).toContain('dbctl fix');
    expect(isDbctlError(error) && error.details).toContain('      --rename users.name=users.full_name   (renamed from users.name)');
    expect(await diffLive(from, to, { renames: ['users.name=users.full_name'] }, 'generate')).toContain(
      'ALTER TABLE "users" RENAME COLUMN "name" TO "full_name";',
    );
    expect(await diffLive(from, to, 'no-renames', 'push')).toContain('ALTER TABLE "users" DROP COLUMN "name";');
  });
});

describe('aligning spellings that mean the same', () => {
  it('defaults', () => {
    expect(sameDefault("'x'::text", "'x'")).toBe(true);
    expect(sameDefault("'it''s'::text", "'it''s'")).toBe(true);
    expect(sameDefault("'{}'::text[]", '\'{""}\'')).toBe(false);
    expect(sameDefault("'{}'::text[]", "'{}'")).toBe(true);
    expect(sameDefault('\'{a,"b c"}\'::text[]', '\'{"a","b c"}\'')).toBe(true);
    expect(sameDefault("'{1,2}'::integer[]", "'{1,2}'")).toBe(true);
    expect(sameDefault('0.00', "'0.00'")).toBe(true);
    expect(sameDefault(1.5, '1.5')).toBe(true);
    expect(sameDefault(true, 'true')).toBe(true);
    expect(sameDefault('\'{"a": 1}\'::jsonb', '\'{"a":1}\'')).toBe(true);
    expect(sameDefault("('member'::character varying)::text", "'member'")).toBe(true);
    expect(sameDefault('NOW()', 'now()')).toBe(true);
    expect(sameDefault("'x'", "'y'")).toBe(false);
    expect(sameDefault('now()', undefined)).toBe(false);
    expect(sameDefault("'a'::text || 'b'::text", "'a'")).toBe(false);
    expect(canonicalDefault("'1 day'::interval")).toBe(canonicalDefault("'1 day'"));
    expect(sameDefault("('a'::text || 'b'::text)", "'a' || 'b'")).toBe(true);
    expect(sameDefault("lower('X'::text)", "lower('X')")).toBe(true);
    expect(sameDefault("lower('X'::text)", "upper('X')")).toBe(false);
  });
  it('types', () => {
    expect(canonicalType('timestamp (3) with time zone')).toBe(canonicalType('timestamp(3) with time zone'));
    expect(canonicalType('numeric(10, 2)')).toBe(canonicalType('numeric(10,2)'));
    expect(canonicalType('varchar(20)')).toBe(canonicalType('character varying(20)'));
    expect(canonicalType('integer')).not.toBe(canonicalType('bigint'));
    expect(canonicalType('numeric(5)')).toBe(canonicalType('numeric(5, 0)'));
    expect(canonicalType('char')).toBe(canonicalType('char(1)'));
    expect(canonicalType('char(2)')).not.toBe(canonicalType('char(1)'));
  });
});
