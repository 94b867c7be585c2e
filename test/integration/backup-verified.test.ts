/**
 * "Verified" means the backup holds what was planned: every planned object, with the rows
 * PostgreSQL counts for it in the backup's snapshot. Row-level security cannot hide rows (the
 * backup copies as a role that bypasses it, or fails naming the policy); what DROP TYPE/DOMAIN ...
 * CASCADE takes is backed up and restored; an object the backup cannot hold fails the backup.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { DestroyedObject } from '../../src/core/classify.js';
import { takeBackup, type TakeBackupOptions } from '../../src/backup/take.js';
import { restoreBackup } from '../../src/backup/restore.js';
import type { BackupTarget } from '../../src/backup/types.js';
import { adminUrl, createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase | undefined;
let dirs: string[] = [];
let roles: string[] = [];
let clients: postgres.Sql[] = [];

afterEach(async () => {
  for (const client of clients) await client.end({ timeout: 1 });
  clients = [];
  await db?.drop();
  db = undefined;
  if (roles.length) {
    const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    try {
      for (const role of roles) await admin.unsafe(`drop role if exists ${role}`);
    } finally {
      await admin.end();
    }
  }
  roles = [];
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  dirs = [];
});

async function setup(): Promise<{ sql: TestDatabase['sql']; dir: string; target: BackupTarget }> {
  db = await createTestDatabase('verified');
  const base = await mkdtemp(path.join(tmpdir(), 'dbctl-verified-'));
  dirs.push(base);
  const dir = path.join(base, 'backups');
  return { sql: db.sql, dir, target: { kind: 'dir', dir } };
}

const options = (target: BackupTarget): TakeBackupOptions => ({ target, dbctlVersion: '0.0.0-test' });
const request = (objects: DestroyedObject[]) => ({
  objects,
  tag: '0001_destroy',
  envName: 'development',
  reason: 'before migration 0001_destroy',
});

async function md5(sql: postgres.Sql, relation: string, order = 'id'): Promise<string> {
  const [row] = await sql.unsafe(`select md5(string_agg(t::text, ',' order by ${order})) as h, count(*)::int as n from ${relation} t`);
  return `${row!.n}:${row!.h}`;
}

/** A login role (dropped after the test) and a client connected as it. */
async function loginRole(sql: postgres.Sql, name: string, attributes = ''): Promise<postgres.Sql> {
  const role = `${name}_${process.pid}`;
  roles.push(role);
  await sql.unsafe(`create role ${role} login password 'pw-${role}' ${attributes}`);
  const url = new URL(db!.url);
  url.username = role;
  url.password = `pw-${role}`;
  const client = postgres(url.toString(), { max: 2, onnotice: () => {} });
  clients.push(client);
  return client;
}

describe('row-level security', () => {
  it('fails naming the policy when FORCE ROW LEVEL SECURITY would hide rows from the owner, and leaves no backup', async () => {
    const { sql, target, dir } = await setup();
    const owner = await loginRole(sql, 'rls_owner');
    const role = `rls_owner_${process.pid}`;
    await sql.unsafe(`
      create table secrets (id int primary key, value text);
      insert into secrets select g, 'v' || g from generate_series(1, 1000) g;
      alter table secrets owner to ${role};
      alter table secrets enable row level security;
      alter table secrets force row level security;
      create policy only_mine on secrets using (value = current_user);
    `);
    const before = await md5(sql, 'secrets');
    for (const where of [target, { kind: 'database' } as BackupTarget]) {
      if (where.kind === 'database') await sql.unsafe(`grant create on database "${db!.name}" to ${role}`);
      const attempt = takeBackup(
        owner,
        request([{ kind: 'table', schema: 'public', table: 'secrets', reason: 'DROP TABLE' }]),
        options(where),
      );
      await expect(attempt).rejects.toMatchObject({
        code: 'BACKUP_FAILED',
        message: expect.stringMatching(
          /row-level security hides rows of public\.secrets \(FORCE ROW LEVEL SECURITY; policies only_mine\) from role rls_owner_\d+/,
        ),
        hint: expect.stringContaining('BYPASSRLS'),
      });
    }
    expect(await readdir(dir)).toEqual([]);
    const [left] = await sql`select count(*)::int as n from pg_namespace where nspname = 'dbctl_backups'`;
    expect(left!.n).toBe(0);
    expect(await md5(sql, 'secrets')).toBe(before);

    // a superuser copies every row; the restore gives them back identical
    const manifest = await takeBackup(
      sql,
      request([{ kind: 'table', schema: 'public', table: 'secrets', reason: 'DROP TABLE' }]),
      options(target),
    );
    expect(manifest.objects[0]!.rows).toBe(1000);
    await sql.unsafe('drop table secrets');
    await restoreBackup(sql, target, manifest.id);
    expect(await md5(sql, 'secrets')).toBe(before);
  });

  it('copies as a role the user may switch to that bypasses row-level security, through the copy connection too', async () => {
    const { sql, target } = await setup();
    const owner = await loginRole(sql, 'rls_member');
    const role = `rls_member_${process.pid}`;
    const bypass = `rls_bypass_${process.pid}`;
    roles.push(bypass);
    await sql.unsafe(`
      create role ${bypass} nologin bypassrls;
      grant ${bypass} to ${role};
      create table notes (id int primary key, body text);
      insert into notes select g, 'b' || g from generate_series(1, 1000) g;
      alter table notes owner to ${role};
      grant select on notes to ${bypass};
      alter table notes enable row level security;
      alter table notes force row level security;
      create policy none on notes using (false);
    `);
    const [seen] = await owner`select count(*)::int as n from notes`;
    expect(seen!.n).toBe(0);
    const manifest = await takeBackup(
      owner,
      request([{ kind: 'rows', schema: 'public', table: 'notes', reason: 'TRUNCATE' }]),
      options(target),
    );
    expect(manifest.objects[0]).toMatchObject({ table: 'notes', rows: 1000 });
  });
});

describe('DROP TYPE / DROP DOMAIN ... CASCADE', () => {
  for (const kind of ['dir', 'database'] as const) {
    it(`backs up the columns a dropped enum or domain takes with it, and restores them with their types (${kind} target)`, async () => {
      const { sql, target: dirTarget } = await setup();
      const target: BackupTarget = kind === 'dir' ? dirTarget : { kind: 'database' };
      await sql.unsafe(`
        create type mood as enum ('sad', 'ok', 'happy');
        create domain posint as integer check (value > 0);
        create domain happy_mood as mood default 'happy';
        create table people (id int primary key, name text, feeling mood, history mood[], later happy_mood, score posint not null);
        insert into people select g, 'p' || g, (array['sad','ok','happy'])[1 + g % 3]::mood, array['ok', 'sad']::mood[],
                                  case when g % 5 = 0 then null else 'ok' end::mood, g from generate_series(1, 1000) g;
        create table unrelated (id int primary key, v text);
        insert into unrelated values (1, 'x');
      `);
      const before = await md5(sql, '(select id, name, feeling, history, later, score from people)');
      const manifest = await takeBackup(
        sql,
        request([
          { kind: 'type', schema: 'public', name: 'mood', reason: 'DROP TYPE CASCADE' },
          { kind: 'type', schema: 'public', name: 'posint', reason: 'DROP DOMAIN CASCADE' },
        ]),
        options(target),
      );
      expect(manifest.objects).toHaveLength(1);
      expect(manifest.objects[0]).toMatchObject({ table: 'people', whole: false, rows: 1000 });
      expect(manifest.objects[0]!.affectedColumns.sort()).toEqual(['feeling', 'history', 'later', 'score']);
      expect(manifest.objects[0]!.types!.map((t) => `${t.kind} ${t.name}`)).toEqual(['enum mood', 'domain happy_mood', 'domain posint']);

      await sql.unsafe('drop type mood cascade; drop domain posint cascade;');
      const [gone] = await sql`select count(*)::int as n from information_schema.columns where table_name = 'people'`;
      expect(gone!.n).toBe(2);

      const result = await restoreBackup(sql, target, manifest.id);
      expect(result.objects[0]).toMatchObject({ action: 'filled', rows: 1000 });
      expect(result.objects[0]!.notes.join('\n')).toContain('type public.mood recreated (enum)');
      expect(await md5(sql, '(select id, name, feeling, history, later, score from people)')).toBe(before);
      const [types] =
        await sql`select format_type(atttypid, atttypmod) as t from pg_attribute where attrelid = 'people'::regclass and attname = 'later'`;
      expect(types!.t).toBe('happy_mood');
      await expect(sql`insert into people (id, score) values (5000, -1)`).rejects.toThrow(/posint_check/);
    });
  }

  it('restores a column object whose type is an enum after the enum was dropped (as the live resolver hands it over)', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(`
      create type status as enum ('new', 'paid');
      create table orders (id int primary key, state status not null default 'new');
      insert into orders select g, case when g % 2 = 0 then 'paid' else 'new' end::status from generate_series(1, 500) g;
    `);
    const before = await md5(sql, 'orders');
    const manifest = await takeBackup(
      sql,
      request([{ kind: 'column', schema: 'public', table: 'orders', column: 'state', reason: 'DROP TYPE CASCADE' }]),
      options(target),
    );
    await sql.unsafe('drop type status cascade');
    await restoreBackup(sql, target, manifest.id);
    expect(await md5(sql, 'orders')).toBe(before);
  });
});

describe('DROP SCHEMA ... CASCADE', () => {
  it('backs up the columns of other schemas whose types it takes with it, and restores schema, type and columns', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(`
      create schema app;
      create type app.kind as enum ('a', 'b');
      create table app.things (id int primary key, k app.kind);
      insert into app.things select g, 'a' from generate_series(1, 10) g;
      create table public.people (id int primary key, name text, k app.kind);
      insert into public.people select g, 'p' || g, case when g % 2 = 0 then 'a' else 'b' end::app.kind from generate_series(1, 300) g;
    `);
    const before = [await md5(sql, 'app.things'), await md5(sql, '(select id, name, k from public.people)')];
    const manifest = await takeBackup(
      sql,
      request([{ kind: 'schema', schema: 'app', name: 'app', reason: 'DROP SCHEMA CASCADE' }]),
      options(target),
    );
    expect(manifest.objects.map((o) => [`${o.schema}.${o.table}`, o.whole, o.affectedColumns])).toEqual([
      ['app.things', true, []],
      ['public.people', false, ['k']],
    ]);
    await sql.unsafe('drop schema app cascade');
    await restoreBackup(sql, target, manifest.id);
    expect([await md5(sql, 'app.things'), await md5(sql, '(select id, name, k from public.people)')]).toEqual(before);
  });
});

describe('DROP EXTENSION ... CASCADE', () => {
  it("backs up the columns of the extension's types, and restore creates the extension again and refills them", async () => {
    const { sql, target } = await setup();
    await sql.unsafe(`
      create extension citext;
      create table accounts (id int primary key, email citext, note text);
      insert into accounts select g, 'User' || g || '@X.io', 'n' || g from generate_series(1, 400) g;
    `);
    const before = await md5(sql, '(select id, email::text, note from accounts)');
    const manifest = await takeBackup(
      sql,
      request([{ kind: 'other', schema: 'public', name: 'citext', reason: 'DROP EXTENSION CASCADE' }]),
      options(target),
    );
    expect(manifest.objects.map((o) => [o.table, o.affectedColumns, o.rows])).toEqual([['accounts', ['email'], 400]]);
    expect(manifest.objects[0]!.types).toEqual([{ kind: 'extension', schema: 'public', name: 'citext' }]);
    await sql.unsafe('drop extension citext cascade');
    const result = await restoreBackup(sql, target, manifest.id);
    expect(result.objects[0]!.notes.join('\n')).toContain('extension citext created again');
    expect(await md5(sql, '(select id, email::text, note from accounts)')).toBe(before);
  });
});

describe('objects a backup cannot hold', () => {
  it('fails the backup naming them (never a verbose-only note), and leaves nothing', async () => {
    const { sql, target, dir } = await setup();
    await sql.unsafe('create table t (id int primary key); insert into t values (1);');
    const attempt = takeBackup(
      sql,
      request([
        { kind: 'table', schema: 'public', table: 't', reason: 'DROP TABLE' },
        { kind: 'other', schema: '', name: 'otherdb', reason: 'DROP DATABASE' },
      ]),
      options(target),
    );
    await expect(attempt).rejects.toMatchObject({ code: 'BACKUP_FAILED', message: expect.stringContaining('DROP DATABASE otherdb') });
    expect(await readdir(dir)).toEqual([]);
  });

  it('notes objects that hold no rows (an index, a table that does not exist) without failing', async () => {
    const { sql, target } = await setup();
    await sql.unsafe('create table t (id int primary key); insert into t values (1);');
    const manifest = await takeBackup(
      sql,
      request([
        { kind: 'index', schema: 'public', name: 't_idx', reason: 'DROP INDEX' },
        { kind: 'table', schema: 'public', table: 'never_created', reason: 'DROP TABLE' },
        { kind: 'table', schema: 'public', table: 't', reason: 'DROP TABLE' },
      ]),
      options(target),
    );
    expect(manifest.objects.map((o) => [o.table, o.rows])).toEqual([['t', 1]]);
    expect(manifest.skipped.map((s) => s.why)).toEqual([
      expect.stringContaining('an index holds no data'),
      expect.stringContaining('does not exist'),
    ]);
  });
});

describe('row counts under the backup snapshot', () => {
  it('counts what COPY copies: a table with inheritance children is counted without them', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(`
      create table base (id int primary key, v text);
      create table child (extra int) inherits (base);
      insert into base select g, 'b' from generate_series(1, 100) g;
      insert into child select g, 'c', 1 from generate_series(101, 150) g;
    `);
    for (const where of [target, { kind: 'database' } as BackupTarget]) {
      const manifest = await takeBackup(
        sql,
        request([{ kind: 'rows', schema: 'public', table: 'base', reason: 'TRUNCATE' }]),
        options(where),
      );
      expect(manifest.objects[0]!.rows).toBe(100);
    }
  });
});
