/**
 * The backup engine on a real PostgreSQL: what is copied for each kind of destructive statement,
 * round trips through drop and restore (rows, definitions, indexes, constraints, sequences),
 * the `database` target, retention, failures that leave nothing behind, and no password anywhere.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DestroyedObject } from '../../src/core/classify.js';
import { takeBackup, type TakeBackupOptions } from '../../src/backup/take.js';
import { listBackups } from '../../src/backup/list.js';
import { readManifest, restoreBackup } from '../../src/backup/restore.js';
import type { BackupTarget } from '../../src/backup/types.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { onTinyDisk } from '../support/tiny-disk.js';

let db: TestDatabase | undefined;
let dirs: string[] = [];

afterEach(async () => {
  await db?.drop();
  db = undefined;
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  dirs = [];
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dbctl-backup-'));
  dirs.push(dir);
  return dir;
}

async function setup(): Promise<{ sql: TestDatabase['sql']; dir: string; target: BackupTarget }> {
  db = await createTestDatabase('backup');
  const dir = path.join(await tempDir(), 'backups');
  return { sql: db.sql, dir, target: { kind: 'dir', dir } };
}

const options = (target: BackupTarget, extra: Partial<TakeBackupOptions> = {}): TakeBackupOptions => ({
  target,
  dbctlVersion: '0.0.0-test',
  ...extra,
});
const request = (objects: DestroyedObject[], tag: string | null = '0001_destroy') => ({
  objects,
  tag,
  envName: 'development',
  reason: `before migration ${tag}`,
});
const dropTable = (table: string, schema = 'public'): DestroyedObject => ({ kind: 'table', schema, table, reason: 'DROP TABLE' });
const column = (table: string, name: string, reason = 'DROP COLUMN'): DestroyedObject => ({
  kind: 'column',
  schema: 'public',
  table,
  column: name,
  reason,
});

async function md5(sql: TestDatabase['sql'], table: string, order = 'id'): Promise<string> {
  const [row] = await sql.unsafe(`select md5(string_agg(t::text, ',' order by ${order})) as h, count(*)::int as n from ${table} t`);
  return `${row!.n}:${row!.h}`;
}

async function definitionOf(sql: TestDatabase['sql'], table: string) {
  const indexes = await sql.unsafe(
    `select indexname, indexdef from pg_indexes where schemaname || '.' || tablename = '${table}' order by indexname`,
  );
  const constraints = await sql.unsafe(
    `select conname, pg_get_constraintdef(oid) as def from pg_constraint where conrelid = '${table}'::regclass order by conname`,
  );
  const columns = await sql.unsafe(
    `select attname, format_type(atttypid, atttypmod) as type, attnotnull, pg_get_expr(adbin, adrelid) as def, attidentity, attgenerated
     from pg_attribute left join pg_attrdef on adrelid = attrelid and adnum = attnum
     where attrelid = '${table}'::regclass and attnum > 0 and not attisdropped order by attnum`,
  );
  return { indexes: [...indexes], constraints: [...constraints], columns: [...columns] };
}

describe('backup and restore of a dropped table', () => {
  it('restores a 100k-row table identical, with its indexes, constraints, sequence and the foreign keys pointing at it', async () => {
    const { sql, target, dir } = await setup();
    await sql.unsafe(`
      create type mood as enum ('sad', 'ok', 'happy');
      create table parent (id int primary key);
      insert into parent values (1), (2);
      create table users (
        id serial primary key,
        email text not null unique,
        name varchar(100) default 'anon',
        score numeric(10,2) check (score >= 0),
        parent_id int references parent(id) on delete cascade,
        tags text[],
        meta jsonb,
        feeling mood,
        code text collate "C",
        created_at timestamptz not null default now(),
        twice int generated always as (id * 2) stored,
        note text
      );
      create index users_created_idx on users (created_at desc);
      create index users_lower_email on users (lower(email)) where email is not null;
      insert into users (email, name, score, parent_id, tags, meta, feeling, code, note)
      select 'u' || g || '@x.io', 'name ' || g, g % 1000, case when g % 3 = 0 then null else 1 + g % 2 end,
             array['a', 'b' || g], jsonb_build_object('g', g, 's', 'x"y'), (array['sad','ok','happy'])[1 + g % 3]::mood, 'c' || g,
             case when g % 7 = 0 then E'tab\\there\\nnewline \\\\ back "q" é ☃' when g % 11 = 0 then null else 'n' end
      from generate_series(1, 100000) g;
      create table orders (id int primary key, user_id int references users(id));
      insert into orders values (1, 10), (2, 20);
    `);
    const before = await md5(sql, 'users');
    const definition = await definitionOf(sql, 'public.users');

    const manifest = await takeBackup(sql, request([dropTable('users')]), options(target));
    expect(manifest.objects).toHaveLength(1);
    const object = manifest.objects[0]!;
    expect(object).toMatchObject({ schema: 'public', table: 'users', whole: true, rows: 100000, primaryKey: ['id'] });
    expect(object.columns.map((c) => c.name)).not.toContain('twice');
    expect(object.definition!.ddl).toContain('CREATE TABLE "public"."users"');
    expect(object.definition!.referencedBy).toEqual([expect.objectContaining({ schema: 'public', table: 'orders' })]);
    expect(object.sha256).toMatch(/^[0-9a-f]{64}$/);

    // the migration
    await sql.unsafe('drop table users cascade; drop type mood;');

    const result = await restoreBackup(sql, target, manifest.id);
    expect(result.objects).toEqual([expect.objectContaining({ action: 'created', rows: 100000 })]);
    expect(result.objects[0]!.notes.join('\n')).toContain('foreign key orders_user_id_fkey of public.orders re-added');
    expect(await md5(sql, 'users')).toBe(before);
    expect(await definitionOf(sql, 'public.users')).toEqual(definition);
    const [fk] = await sql`select count(*)::int as n from pg_constraint where conname = 'orders_user_id_fkey'`;
    expect(fk!.n).toBe(1);
    // the sequence continues after the restored ids
    const [next] = await sql`insert into users (email) values ('new@x.io') returning id`;
    expect(next!.id).toBe(100001);
    expect(dir).toBeTruthy();
  });

  it('backs up a table without a primary key whole, and restores it recreated or into another schema', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(`create table logs (msg text, at int); insert into logs select 'm' || g, g from generate_series(1, 500) g;`);
    const before = await md5(sql, 'logs', 'at');
    const manifest = await takeBackup(sql, request([column('logs', 'msg')]), options(target));
    expect(manifest.objects[0]).toMatchObject({ whole: true, affectedColumns: ['msg'], primaryKey: [], rows: 500 });
    expect(manifest.objects[0]!.reasons).toContain('whole table: no primary key');
    await sql.unsafe('alter table logs drop column msg');
    // rows cannot be matched without a key: refused, nothing changed
    await expect(restoreBackup(sql, target, manifest.id)).rejects.toMatchObject({
      code: 'OPERATION_FAILED',
      message: expect.stringContaining('no primary key'),
    });
    const inspect = await restoreBackup(sql, target, manifest.id, { intoSchema: 'inspect' });
    expect(inspect.objects[0]).toMatchObject({ action: 'created', rows: 500, into: { schema: 'inspect', table: 'logs' } });
    expect(await md5(sql, 'inspect.logs', 'at')).toBe(before);
    // and a dropped table without a key comes back whole
    await sql.unsafe('drop table logs');
    await restoreBackup(sql, target, manifest.id);
    expect(await md5(sql, 'logs', 'at')).toBe(before);
  });
});

describe('targeted backups of columns', () => {
  it('backs up only the key and a dropped column, and fills it back into the existing table by primary key', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(`
      create table accounts (id int primary key, email text not null default 'none', balance int, wide text);
      insert into accounts select g, 'a' || g || '@x.io', g, repeat('w', 200) from generate_series(1, 2000) g;
    `);
    const before = await md5(sql, 'accounts');
    const manifest = await takeBackup(
      sql,
      request([column('accounts', 'email'), { kind: 'column', schema: 'public', table: 'nope', column: 'x', reason: 'DROP COLUMN' }]),
      options(target),
    );
    const object = manifest.objects[0]!;
    expect(object).toMatchObject({ whole: false, primaryKey: ['id'], affectedColumns: ['email'], rows: 2000, definition: null });
    expect(object.columns.map((c) => c.name)).toEqual(['id', 'email']);
    expect(manifest.skipped).toEqual([expect.objectContaining({ table: 'nope', why: expect.stringContaining('does not exist') })]);

    await sql.unsafe(`alter table accounts drop column email; insert into accounts (id, balance, wide) values (2001, 0, 'new');`);
    const result = await restoreBackup(sql, target, manifest.id);
    expect(result.objects[0]).toMatchObject({ action: 'filled', columns: ['email'], rows: 2000 });
    expect(result.objects[0]!.notes.join('\n')).toContain('left nullable');
    const [row] = await sql`select email, balance from accounts where id = 7`;
    expect(row).toEqual({ email: 'a7@x.io', balance: 7 });
    const [fresh] = await sql`select email from accounts where id = 2001`;
    expect(fresh!.email).toBeNull();
    // the column is back at the end of the table: compare the original columns
    await sql`delete from accounts where id = 2001`;
    expect(await md5(sql, '(select id, email, balance, wide from accounts)')).toBe(before);
    const [type] =
      await sql`select format_type(atttypid, atttypmod) as t, attnotnull as nn from pg_attribute where attrelid = 'accounts'::regclass and attname = 'email'`;
    expect(type).toEqual({ t: 'text', nn: false });
  });

  it('restores a column re-added by the restore with NOT NULL and its default when every row gets a value', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(
      `create table a (id int primary key, email text not null default 'none'); insert into a select g, 'e' || g from generate_series(1, 10) g;`,
    );
    const manifest = await takeBackup(sql, request([column('a', 'email')]), options(target));
    await sql.unsafe('alter table a drop column email');
    await restoreBackup(sql, target, manifest.id);
    const [info] =
      await sql`select attnotnull as nn, pg_get_expr(adbin, adrelid) as def from pg_attribute left join pg_attrdef on adrelid = attrelid and adnum = attnum where attrelid = 'a'::regclass and attname = 'email'`;
    expect(info).toEqual({ nn: true, def: "'none'::text" });
  });

  it('restores a type change: the old values come back once the column has its old type, and a cast that cannot work is refused clearly', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(
      `create table items (id int primary key, code text); insert into items values (1, '12'), (2, 'abc'), (3, '007'), (4, null);`,
    );
    const before = await md5(sql, 'items');
    const manifest = await takeBackup(sql, request([column('items', 'code', 'ALTER COLUMN TYPE')]), options(target));
    expect(manifest.objects[0]).toMatchObject({ whole: false, affectedColumns: ['code'] });
    // the migration loses 'abc' and the leading zeros
    await sql.unsafe(`alter table items alter column code type integer using (case when code ~ '^[0-9]+$' then code::integer end)`);

    // into the integer column: the values cannot be cast back; refused, nothing changed
    const refused = restoreBackup(sql, target, manifest.id);
    await expect(refused).rejects.toMatchObject({
      code: 'OPERATION_FAILED',
      message: expect.stringContaining('code is now integer (was text)'),
    });
    const [still] = await sql`select code from items where id = 3`;
    expect(still!.code).toBe(7);

    // with the column back to its old type (a revert migration), the values come back exactly
    await sql.unsafe('alter table items alter column code type text');
    const result = await restoreBackup(sql, target, manifest.id);
    expect(result.objects[0]).toMatchObject({ action: 'filled', rows: 4 });
    expect(await md5(sql, 'items')).toBe(before);
  });

  it('restores into a column of another type with an explicit cast and says so', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(`create table p (id int primary key, price numeric(10,2)); insert into p values (1, 1.50), (2, 2.25);`);
    const manifest = await takeBackup(sql, request([column('p', 'price', 'ALTER COLUMN TYPE')]), options(target));
    await sql.unsafe(`alter table p alter column price type text using 'x'`);
    const result = await restoreBackup(sql, target, manifest.id);
    expect(result.objects[0]!.notes.join('\n')).toContain('price is now text (was numeric(10,2)): values restored with a cast to text');
    const rows = await sql`select price from p order by id`;
    expect(rows.map((r) => r.price)).toEqual(['1.50', '2.25']);
  });
});

describe('truncate, delete and schemas', () => {
  it('puts truncated rows back (directly into the empty table), then skips rows already there', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(
      `create table t (id bigint generated always as identity primary key, v text); insert into t (v) select 'v' || g from generate_series(1, 1000) g;`,
    );
    const before = await md5(sql, 't');
    const manifest = await takeBackup(sql, request([{ kind: 'rows', schema: 'public', table: 't', reason: 'TRUNCATE' }]), options(target));
    await sql.unsafe('truncate t');
    const first = await restoreBackup(sql, target, manifest.id);
    expect(first.objects[0]).toMatchObject({ action: 'inserted', rows: 1000 });
    expect(await md5(sql, 't')).toBe(before);
    await sql.unsafe('delete from t where id > 900');
    const second = await restoreBackup(sql, target, manifest.id);
    expect(second.objects[0]).toMatchObject({ action: 'inserted', rows: 100 });
    expect(await md5(sql, 't')).toBe(before);
  });

  it('backs up what a DELETE without WHERE or a TRUNCATE CASCADE takes through foreign keys, and puts it all back', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(`
      create table p (id int primary key, name text);
      create table c (id int primary key, p_id int not null references p(id) on delete cascade);
      create table g (id int primary key, c_id int references c(id) on delete cascade);
      create table n (id int primary key, p_id int references p(id) on delete set null);
      create table keep (id int primary key, p_id int references p(id));
      insert into p select g, 'p' || g from generate_series(1, 100) g;
      insert into c select g, 1 + g % 100 from generate_series(1, 300) g;
      insert into g select g, 1 + g % 300 from generate_series(1, 600) g;
      insert into n select g, 1 + g % 100 from generate_series(1, 50) g;
    `);
    const snapshot = async () => Promise.all(['p', 'c', 'g', 'n'].map((t) => md5(sql, t)));
    const before = await snapshot();
    const manifest = await takeBackup(
      sql,
      request([{ kind: 'rows', schema: 'public', table: 'p', reason: 'DELETE without WHERE' }]),
      options(target),
    );
    expect(manifest.objects.map((o) => [o.table, o.whole, o.reasons[0]])).toEqual([
      ['c', true, 'ON DELETE CASCADE from public.p'],
      ['g', true, 'ON DELETE CASCADE from public.c'],
      ['n', false, 'ON DELETE SET NULL from public.p p_id'],
      ['p', true, 'DELETE without WHERE'],
    ]);
    await sql.unsafe('delete from p');
    const result = await restoreBackup(sql, target, manifest.id);
    expect(result.objects.map((o) => [o.table, o.action, o.rows])).toEqual([
      ['p', 'inserted', 100],
      ['c', 'inserted', 300],
      ['g', 'inserted', 600],
      ['n', 'filled', 50],
    ]);
    expect(await snapshot()).toEqual(before);

    const truncate = await takeBackup(
      sql,
      request([{ kind: 'rows', schema: 'public', table: 'p', reason: 'TRUNCATE CASCADE' }]),
      options(target),
    );
    expect(truncate.objects.map((o) => o.table)).toEqual(['c', 'g', 'keep', 'n', 'p']);
    await sql.unsafe('truncate p cascade');
    await restoreBackup(sql, target, truncate.id);
    expect(await snapshot()).toEqual(before);
  });

  it('backs up every table of a dropped schema, with its enum types, and restores them', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(`
      create schema shop;
      create type shop.status as enum ('new', 'paid');
      create table shop.customers (id int primary key, name text);
      create table shop.orders (id int primary key, customer_id int references shop.customers(id), status shop.status not null default 'new');
      insert into shop.customers select g, 'c' || g from generate_series(1, 50) g;
      insert into shop.orders select g, 1 + g % 50, case when g % 2 = 0 then 'paid' else 'new' end::shop.status from generate_series(1, 300) g;
    `);
    const before = [await md5(sql, 'shop.customers'), await md5(sql, 'shop.orders')];
    const manifest = await takeBackup(
      sql,
      request([{ kind: 'schema', schema: 'shop', name: 'shop', reason: 'DROP SCHEMA CASCADE' }]),
      options(target),
    );
    expect(manifest.objects.map((o) => o.table)).toEqual(['customers', 'orders']);
    await sql.unsafe('drop schema shop cascade');
    await restoreBackup(sql, target, manifest.id);
    expect([await md5(sql, 'shop.customers'), await md5(sql, 'shop.orders')]).toEqual(before);
    const [fk] = await sql`select count(*)::int as n from pg_constraint where conrelid = 'shop.orders'::regclass and contype = 'f'`;
    expect(fk!.n).toBe(1);
  });

  it('restores only the tables asked for, and says which tables a backup holds when asked for another', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(
      `create table a (id int primary key); create table b (id int primary key); insert into a values (1); insert into b values (2);`,
    );
    const manifest = await takeBackup(sql, request([dropTable('a'), dropTable('b')]), options(target));
    await sql.unsafe('drop table a; drop table b;');
    await expect(restoreBackup(sql, target, manifest.id, { tables: ['c'] })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('public.a, public.b'),
    });
    await restoreBackup(sql, target, manifest.id, { tables: ['public.b'] });
    const [state] = await sql`select to_regclass('public.a') is null as a_gone, to_regclass('public.b') is not null as b_back`;
    expect(state).toEqual({ a_gone: true, b_back: true });
  });
});

describe('manual backups', () => {
  it('backs up named tables, every user table when none are named, and rejects unknown names', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(
      `create schema billing; create table a (id int primary key); create table billing.inv (id int primary key); insert into billing.inv values (1), (2);`,
    );
    const named = await takeBackup(
      sql,
      { objects: { tables: ['billing.inv'] }, tag: null, envName: 'development', reason: 'manual backup' },
      options(target),
    );
    expect(named.objects.map((o) => `${o.schema}.${o.table}`)).toEqual(['billing.inv']);
    expect(named.id).toMatch(/^\d{8}T\d{6}Z-development-manual-[0-9a-f]{4}$/);
    const all = await takeBackup(
      sql,
      { objects: { tables: 'all' }, tag: null, envName: 'development', reason: 'manual backup' },
      options(target),
    );
    expect(all.objects.map((o) => `${o.schema}.${o.table}`)).toEqual(['billing.inv', 'public.a']);
    await expect(
      takeBackup(sql, { objects: { tables: ['missing'] }, tag: null, envName: 'development', reason: 'manual' }, options(target)),
    ).rejects.toMatchObject({ code: 'USAGE' });
    expect((await listBackups(target)).map((m) => m.id)).toEqual([all.id, named.id]);
  });
});

describe('the database target', () => {
  it('copies into dbctl_backups, survives DROP SCHEMA CASCADE of the types it uses, lists and restores', async () => {
    const { sql } = await setup();
    const target: BackupTarget = { kind: 'database' };
    await sql.unsafe(`
      create schema app;
      create type app.kind as enum ('x', 'y');
      create table app.things (id serial primary key, k app.kind, label text unique);
      insert into app.things (k, label) select case when g % 2 = 0 then 'x' else 'y' end::app.kind, 'l' || g from generate_series(1, 5000) g;
      create table public.people (id int primary key, email text);
      insert into public.people select g, 'p' || g from generate_series(1, 100) g;
    `);
    const before = await md5(sql, 'app.things');
    const peopleBefore = await md5(sql, 'people');
    const manifest = await takeBackup(
      sql,
      request([{ kind: 'schema', schema: 'app', name: 'app', reason: 'DROP SCHEMA CASCADE' }, column('people', 'email')]),
      options(target),
    );
    expect(manifest.target).toBe('database');
    expect(manifest.objects.map((o) => [o.table, o.rows, o.file])).toEqual([
      ['things', 5000, `${manifest.id}__app__things`],
      ['people', 100, `${manifest.id}__public__people`],
    ]);
    await sql.unsafe('drop schema app cascade; alter table people drop column email;');
    const [kept] = await sql.unsafe(`select count(*)::int as n from dbctl_backups."${manifest.id}__app__things"`);
    expect(kept!.n).toBe(5000);

    expect((await listBackups(target, { sql })).map((m) => m.id)).toEqual([manifest.id]);
    expect((await readManifest(target, manifest.id, sql)).objects).toHaveLength(2);
    const result = await restoreBackup(sql, target, manifest.id);
    expect(result.objects.map((o) => [o.action, o.rows])).toEqual([
      ['created', 5000],
      ['filled', 100],
    ]);
    expect(await md5(sql, 'app.things')).toBe(before);
    expect(await md5(sql, 'people')).toBe(peopleBefore);
    const [next] = await sql`insert into app.things (k, label) values ('x', 'new') returning id`;
    expect(next!.id).toBe(5001);
  });
});

describe('retention', () => {
  it('keeps the newest N backups of the environment and leaves other environments alone', async () => {
    const { sql, target } = await setup();
    await sql.unsafe('create table t (id int primary key); insert into t values (1);');
    const at = (minute: number) => new Date(Date.UTC(2026, 10, 21, 10, minute));
    const other = await takeBackup(sql, { ...request([dropTable('t')]), envName: 'staging' }, options(target, { now: at(0) }));
    const ids: string[] = [];
    for (let minute = 1; minute <= 4; minute++) {
      const expired: string[] = [];
      ids.push(
        (
          await takeBackup(
            sql,
            request([dropTable('t')]),
            options(target, { now: at(minute), keep: 2, onExpired: (list) => expired.push(...list) }),
          )
        ).id,
      );
      if (minute === 3) expect(expired).toEqual([ids[0]]);
    }
    const left = (await listBackups(target)).map((m) => m.id);
    expect(left).toEqual([ids[3], ids[2], other.id]);
    expect((await readdir(target.kind === 'dir' ? target.dir : '')).sort()).toEqual([ids[3], ids[2], other.id].sort());

    const database: BackupTarget = { kind: 'database' };
    const kept: string[] = [];
    for (let minute = 1; minute <= 3; minute++)
      kept.push((await takeBackup(sql, request([dropTable('t')]), options(database, { now: at(minute), keep: 1 }))).id);
    expect((await listBackups(database, { sql })).map((m) => m.id)).toEqual([kept[2]]);
    const [tables] = await sql`select count(*)::int as n from pg_tables where schemaname = 'dbctl_backups' and tablename <> 'manifests'`;
    expect(tables!.n).toBe(1);
  });
});

describe('failures', () => {
  it('fails with BACKUP_FAILED and leaves nothing when the backup directory is a file or cannot be created', async () => {
    const { sql } = await setup();
    await sql.unsafe('create table t (id int primary key); insert into t values (1);');
    const base = await tempDir();
    const file = path.join(base, 'not-a-dir');
    await writeFile(file, 'x');
    for (const dir of [file, path.join(file, 'sub'), '/proc/dbctl-no-such-dir/backups']) {
      const attempt = takeBackup(sql, request([dropTable('t')]), options({ kind: 'dir', dir }));
      await expect(attempt).rejects.toMatchObject({
        code: 'BACKUP_FAILED',
        exitCode: 1,
        message: expect.stringContaining(`backup directory ${dir} is not writable`),
      });
    }
    expect(await readdir(base)).toEqual(['not-a-dir']);
    // a directory without write permission (root ignores the mode, so only checked for other users)
    if (process.getuid?.() !== 0) {
      const locked = path.join(base, 'locked');
      await mkdir(locked, { mode: 0o500 });
      await expect(takeBackup(sql, request([dropTable('t')]), options({ kind: 'dir', dir: locked }))).rejects.toMatchObject({
        code: 'BACKUP_FAILED',
      });
    }
  });

  it('fails with BACKUP_FAILED on a full disk, removes the partial backup, and the connection stays usable', async (context) => {
    const { sql } = await setup();
    const mountPoint = await tempDir();
    const mounted = await onTinyDisk(mountPoint, async () => {
      await sql.unsafe(
        `create table big (id int primary key, v text); insert into big select g, md5(g::text) || md5((g * 7)::text) from generate_series(1, 200000) g;`,
      );
      const dir = path.join(mountPoint, 'backups');
      const attempt = takeBackup(sql, request([dropTable('big')]), options({ kind: 'dir', dir }));
      await expect(attempt).rejects.toMatchObject({
        code: 'BACKUP_FAILED',
        message: expect.stringMatching(/could not be written .*no space left on the device/),
      });
      expect(await readdir(dir)).toEqual([]);
      const [ok] = await sql`select count(*)::int as n from big`;
      expect(ok!.n).toBe(200000);
    });
    if (!mounted) context.skip(); // needs root and mount permission
  });

  it('fails verification when a data file is changed before restore', async () => {
    const { sql, target, dir } = await setup();
    await sql.unsafe(`create table t (id int primary key, v text); insert into t select g, 'v' from generate_series(1, 100) g;`);
    const manifest = await takeBackup(sql, request([dropTable('t')]), options(target));
    await sql.unsafe('drop table t');
    const file = path.join(dir, manifest.id, manifest.objects[0]!.file);
    const data = gunzipSync(await readFile(file));
    const { gzipSync } = await import('node:zlib');
    await writeFile(file, gzipSync(Buffer.concat([data, Buffer.from('101\tevil\n')])));
    await expect(restoreBackup(sql, target, manifest.id)).rejects.toMatchObject({
      code: 'OPERATION_FAILED',
      message: expect.stringContaining('does not match the sha256'),
    });
    const [gone] = await sql`select to_regclass('public.t') is null as gone`;
    expect(gone!.gone).toBe(true);
  });

  it('fails cleanly when the server rejects restored rows, early or at the very end, and leaves the table as it was', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(`create table t (id int primary key, v text); insert into t select g, 'v' || g from generate_series(1, 5000) g;`);
    const manifest = await takeBackup(sql, request([{ kind: 'rows', schema: 'public', table: 't', reason: 'TRUNCATE' }]), options(target));
    await sql.unsafe('truncate t');
    for (const bad of ['v1', 'v5000']) {
      // an empty table with matching columns: the rows are copied straight into it, and COPY fails
      await sql.unsafe(`alter table t add constraint no_bad check (v <> '${bad}')`);
      await expect(restoreBackup(sql, target, manifest.id)).rejects.toMatchObject({
        code: 'OPERATION_FAILED',
        message: expect.stringMatching(/violates check constraint "no_bad"; nothing was changed/),
      });
      const [state] = await sql`select count(*)::int as n from t`;
      expect(state!.n).toBe(0);
      await sql.unsafe('alter table t drop constraint no_bad');
    }
    const result = await restoreBackup(sql, target, manifest.id);
    expect(result.objects[0]).toMatchObject({ action: 'inserted', rows: 5000 });
  });

  it('says an unknown id is a usage error', async () => {
    const { sql, target } = await setup();
    await expect(restoreBackup(sql, target, '20260101T000000Z-development-manual-abcd')).rejects.toMatchObject({
      code: 'USAGE',
      hint: expect.stringContaining('dbctl backups'),
    });
    await expect(readManifest(target, '../../etc')).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('the connection after a backup', () => {
  it('stays usable when a small table arrives before the stream is read (postgres.js pauses its socket)', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(
      `create table small (id int primary key, v text); insert into small select g, 'v' || g from generate_series(1, 3000) g;`,
    );
    const postgres = (await import('postgres')).default;
    const one = postgres(db!.url, { max: 1, onnotice: () => {} });
    try {
      for (let i = 0; i < 10; i++) {
        await takeBackup(one, request([dropTable('small')]), options(target));
        const [row] = await one`select 1 as ok`;
        expect(row!.ok).toBe(1);
      }
    } finally {
      await one.end();
    }
  });
});

describe('files and secrets', () => {
  it('writes directories 0700 and files 0600, with the manifest last; never a password or url in any file', async () => {
    const { sql, target, dir } = await setup();
    const password = new URL(db!.url).password;
    expect(password.length).toBeGreaterThan(3);
    await sql.unsafe(`create table t (id int primary key, v text); insert into t select g, 'v' || g from generate_series(1, 100) g;`);
    const manifest = await takeBackup(sql, request([dropTable('t'), column('t', 'v')]), options(target));
    const backupDir = path.join(dir, manifest.id);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(backupDir)).mode & 0o777).toBe(0o700);
    const files = await readdir(backupDir);
    expect(files.sort()).toEqual(['001-public.t.copy.gz', 'manifest.json']);
    for (const name of files) {
      const full = path.join(backupDir, name);
      expect((await stat(full)).mode & 0o777).toBe(0o600);
      const raw = await readFile(full);
      const text = name.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
      expect(text).not.toContain(password);
      expect(text).not.toMatch(/postgres(ql)?:\/\//);
    }
    const onDisk = JSON.parse(await readFile(path.join(backupDir, 'manifest.json'), 'utf8'));
    expect(onDisk).toMatchObject({
      id: manifest.id,
      env: 'development',
      database: db!.name,
      tag: '0001_destroy',
      dbctlVersion: '0.0.0-test',
    });
    expect(onDisk.serverVersion).toMatch(/^\d+/);

    const database = await takeBackup(sql, request([dropTable('t')]), options({ kind: 'database' }));
    const [row] = await sql`select manifest::text as m from dbctl_backups.manifests where id = ${database.id}`;
    expect(row!.m).not.toContain(password);
  });
});
