/**
 * drizzle-kit's introspection with its per-table catalog queries answered from batches
 * (src/drizzle/kit/catalog-batch.ts) reads exactly the snapshot it reads query by query: on a
 * schema with every kind of object drift compares, in two schemas, with names that need quoting,
 * and constraints whose columns are declared in another order than the table's (in the snapshot
 * in the constraint's own order, where drizzle-kit's own queries use the table's).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKit } from '../../src/drizzle/kit/index.js';
import type { KitInternals } from '../../src/drizzle/generate/types.js';
import { batchedCatalog, type BatchStats } from '../../src/drizzle/kit/catalog-batch.js';
import { kitDb } from '../../src/drizzle/live/introspect.js';
import { createTestDatabase, supportsNullsNotDistinct, type TestDatabase } from '../support/db.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');

const SCHEMA = `
create schema auth;
create type mood as enum ('sad', 'ok', 'happy');
create type auth.level as enum ('low', 'high');
create sequence order_numbers start 100 increment 5;
create table orgs (id serial primary key, slug varchar(64) not null unique, name text not null default 'x', created_at timestamptz not null default now());
create table users (
  id integer primary key generated always as identity,
  org_id integer not null references orgs(id) on delete cascade,
  name text not null, email text, age integer check (age > 0), mood mood default 'ok', tags text[] default '{}'::text[],
  score numeric(10,2) default 0.00, data jsonb default '{"a": 1}', flag boolean default true,
  big bigserial, lvl auth.level, upper_name text generated always as (upper(name)) stored,
  constraint users_email_key unique (email),
  constraint users_age_max check (age < 200)
);
create table members (
  c int not null, a int not null, b int not null, d text, role varchar(20) default 'member',
  constraint members_pk primary key (a, c),
  constraint members_uq unique ${supportsNullsNotDistinct ? 'nulls not distinct ' : ''}(d, b)
);
create table refs (x int, y int, z int, w int,
  constraint refs_fk foreign key (w, y) references members (c, a) on update restrict,
  constraint refs_fk2 foreign key (x) references orgs (id));
create index members_role_idx on members (role desc nulls first);
create index members_partial_idx on members (a) where role = 'admin';
create index members_expr_idx on members (lower(role));
create index users_gin on users using gin (data);
create index users_ff on users (age) with (fillfactor = 70);
create table auth.accounts (id uuid primary key default gen_random_uuid(), user_id int references public.users(id), subject text not null, lvl auth.level not null default 'low');
create unique index accounts_subject_idx on auth.accounts (subject);
create view active_users as select id, name from users where flag;
create materialized view org_counts as select org_id, count(*) from users group by org_id;
create table "MixedCase" ("Id" serial primary key, "Value" text default 'it''s', "Ref" int references orgs(id));
`;

let db: TestDatabase;
let kit: KitInternals;
beforeAll(async () => {
  db = await createTestDatabase('catalog_batch');
  await db.sql.unsafe(SCHEMA);
  kit = await loadKit(repoRoot);
});
afterAll(async () => db?.drop());

/** drizzle-kit's introspection of `schemas`, query by query or through batches. */
async function introspectWith(batched: boolean, schemas: string[], stats?: BatchStats): Promise<Record<string, unknown>> {
  const plain = kitDb(db.sql);
  return await kit.fromDatabase(
    batched ? batchedCatalog(plain, schemas, stats) : plain,
    () => true,
    schemas,
    undefined,
    undefined,
    undefined,
  );
}

describe('batched catalog queries', () => {
  it('read the same snapshot as drizzle-kit reads query by query, in a handful of queries', async () => {
    const schemas = ['public', 'auth'];
    const stats = { sent: 0, answered: 0 };
    const batched = await introspectWith(true, schemas, stats);
    // drizzle-kit's own per-table queries list a constraint's columns in the table's order (and
    // pair a foreign key's columns wrongly then); the batch lists them in the constraint's order
    // (their position in conkey): that, and only that, differs
    const plain = (await introspectWith(false, schemas)) as { tables: Record<string, any> };
    expect(plain.tables['public.members'].compositePrimaryKeys.members_pk.columns).toEqual(['c', 'a']);
    plain.tables['public.members'].compositePrimaryKeys.members_pk.columns = ['a', 'c'];
    plain.tables['public.members'].uniqueConstraints.members_uq.columns = ['d', 'b'];
    plain.tables['public.refs'].foreignKeys.refs_fk.columnsFrom = ['w', 'y'];
    plain.tables['public.refs'].foreignKeys.refs_fk.columnsTo = ['c', 'a'];
    expect(batched).toEqual(plain);
    // 6 tables x 6 queries, and the column query of each of the 2 views
    expect(stats.answered).toBe(38);
    expect(stats.sent).toBeLessThan(20);
  });

  it('answer only the schemas they were made for; other queries go to the database', async () => {
    const stats = { sent: 0, answered: 0 };
    const onlyAuth = await introspectWith(true, ['auth'], stats);
    expect(Object.keys(onlyAuth.tables as object)).toEqual(['auth.accounts']);
    expect(onlyAuth).toEqual(await introspectWith(false, ['auth']));
    expect(stats.answered).toBe(6);

    const seen: string[] = [];
    const db2 = batchedCatalog({ query: async (text) => (seen.push(text), [{ one: 1 }]) }, ['public'], stats);
    expect(await db2.query('select 1 as one')).toEqual([{ one: 1 }]);
    // a per-table query for a schema outside the batch, or in another shape, is sent as it is
    const foreign = `SELECT idx.indexrelname AS index_name FROM pg_stat_user_indexes idx WHERE idx.relname = 't' and schemaname = 'other'
        group by index_name, table_name,schemaname, generated_by_constraint;`;
    await db2.query(foreign);
    expect(seen).toEqual(['select 1 as one', foreign]);
  });

  it("keep the operator class of each index column (drizzle-kit's own query keeps an arbitrary one)", async () => {
    await db.sql.unsafe(`create table opclasses (a int, d text); create index opclasses_idx on opclasses (a, d text_pattern_ops)`);
    try {
      const batched = await introspectWith(true, ['public']);
      const index = (batched.tables as Record<string, { indexes: Record<string, { columns: { expression: string; opclass: string }[] }> }>)[
        'public.opclasses'
      ]!.indexes.opclasses_idx!;
      expect(index.columns.map((c) => [c.expression, c.opclass])).toEqual([
        ['a', 'int4_ops'],
        ['d', 'text_pattern_ops'],
      ]);
    } finally {
      await db.sql.unsafe(`drop table opclasses`);
    }
  });

  it('stay fast on a catalog whose statistics lag behind (a database just made, as a scratch replay is)', async () => {
    // before its information_schema views were read once each, the constraints batch ran them
    // inside nested loops on such a catalog: about 4 s for 50 tables, growing with the square
    const fresh = await createTestDatabase('catalog_batch_fresh');
    try {
      const tables = Array.from(
        { length: 60 },
        (_, i) =>
          `create table t${i} (id serial primary key, a int check (a > 0), b text unique, c int ${i ? `references t${i - 1}(id)` : ''}, e text not null, constraint t${i}_u2 unique (a, e));`,
      );
      await fresh.sql.unsafe(tables.join('\n'));
      const stats = { sent: 0, answered: 0 };
      const started = performance.now();
      const snapshot = (await kit.fromDatabase(
        batchedCatalog(kitDb(fresh.sql), ['public'], stats),
        () => true,
        ['public'],
        undefined,
        undefined,
        undefined,
      )) as {
        tables: Record<string, { uniqueConstraints: Record<string, unknown> }>;
      };
      const ms = performance.now() - started;
      expect(Object.keys(snapshot.tables)).toHaveLength(60);
      expect(Object.keys(snapshot.tables['public.t7']!.uniqueConstraints).sort()).toEqual(['t7_b_key', 't7_u2']);
      expect(stats.answered).toBe(360);
      expect(ms).toBeLessThan(2000);
    } finally {
      await fresh.drop();
    }
  });
});
