/**
 * A restore never loses data written since the backup: a dropped column added again with values,
 * a dropped table created again with rows, a row changed since — each is a conflict (exit 1,
 * RESTORE_CONFLICT naming it, the database unchanged) unless `--overwrite`. Partitioned tables
 * come back partitioned with their partitions attached; a dropped partition is attached back to
 * its parent, or the restore refuses clearly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type postgres from 'postgres';
import type { DestroyedObject } from '../../src/core/classify.js';
import { takeBackup } from '../../src/backup/take.js';
import { restoreBackup } from '../../src/backup/restore.js';
import type { BackupTarget } from '../../src/backup/types.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createProject, type TestProject } from '../support/project.js';

let db: TestDatabase | undefined;
let dirs: string[] = [];
let project: TestProject | undefined;

afterEach(async () => {
  await project?.cleanup();
  project = undefined;
  await db?.drop();
  db = undefined;
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  dirs = [];
});

async function setup(): Promise<{ sql: TestDatabase['sql']; target: BackupTarget }> {
  db = await createTestDatabase('conflicts');
  const base = await mkdtemp(path.join(tmpdir(), 'dbctl-conflicts-'));
  dirs.push(base);
  return { sql: db.sql, target: { kind: 'dir', dir: path.join(base, 'backups') } };
}

const backup = (sql: postgres.Sql, target: BackupTarget, objects: DestroyedObject[]) =>
  takeBackup(
    sql,
    { objects, tag: '0002_destroy', envName: 'development', reason: 'before migration 0002_destroy' },
    { target, dbctlVersion: '0.0.0-test' },
  );

async function md5(sql: postgres.Sql, relation: string, order = 'id'): Promise<string> {
  const [row] = await sql.unsafe(`select md5(string_agg(t::text, ',' order by ${order})) as h, count(*)::int as n from ${relation} t`);
  return `${row!.n}:${row!.h}`;
}

/** Every user table and its rows, to show a refused restore changed nothing. */
async function everything(sql: postgres.Sql): Promise<string> {
  const tables =
    await sql`select quote_ident(schemaname) || '.' || quote_ident(tablename) as t from pg_tables where schemaname not in ('pg_catalog', 'information_schema') order by 1`;
  const columns =
    await sql`select table_schema, table_name, column_name, data_type from information_schema.columns where table_schema = 'public' order by 1, 2, column_name`;
  const parts = [JSON.stringify(columns)];
  for (const { t } of tables) parts.push(`${t}=${await md5(sql, t, '1')}`);
  return parts.join('\n');
}

for (const kind of ['dir', 'database'] as const) {
  describe(`a dropped column added again (${kind} target)`, () => {
    it('refuses to overwrite values written since the backup, naming the column and rows; --overwrite restores them', async () => {
      const { sql, target: dirTarget } = await setup();
      const target: BackupTarget = kind === 'dir' ? dirTarget : { kind: 'database' };
      await sql.unsafe(
        `create table users (id int primary key, name text, bio text); insert into users select g, 'u' || g, 'old bio ' || g from generate_series(1, 100) g;`,
      );
      const original = await md5(sql, '(select id, name, bio from users)');
      const manifest = await backup(sql, target, [
        { kind: 'column', schema: 'public', table: 'users', column: 'bio', reason: 'DROP COLUMN' },
      ]);
      // the migration drops bio; a later migration adds bio text again; the app writes ids 1-10
      await sql.unsafe(
        `alter table users drop column bio; alter table users add column bio text; update users set bio = 'new bio ' || id where id <= 10;`,
      );
      const before = await everything(sql);

      const refused = restoreBackup(sql, target, manifest.id);
      await expect(refused).rejects.toMatchObject({
        code: 'RESTORE_CONFLICT',
        exitCode: 1,
        message: expect.stringContaining(
          'column public.users.bio was dropped after the backup and added again, and 10 row(s) hold values written since (id = 1, 2, 3, 4, 5, …)',
        ),
        hint: expect.stringContaining('--overwrite'),
      });
      expect(await everything(sql)).toBe(before);

      const result = await restoreBackup(sql, target, manifest.id, { overwrite: true });
      expect(result.objects[0]).toMatchObject({ action: 'filled', rows: 100 });
      expect(await md5(sql, '(select id, name, bio from users)')).toBe(original);
    });
  });
}

describe('a dropped column added again without values', () => {
  it('is filled back without --overwrite (nothing written since would be lost)', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(
      `create table users (id int primary key, bio text); insert into users select g, 'bio ' || g from generate_series(1, 50) g;`,
    );
    const original = await md5(sql, 'users');
    const manifest = await backup(sql, target, [
      { kind: 'column', schema: 'public', table: 'users', column: 'bio', reason: 'DROP COLUMN' },
    ]);
    await sql.unsafe('alter table users drop column bio; alter table users add column bio text;');
    await restoreBackup(sql, target, manifest.id);
    expect(await md5(sql, 'users')).toBe(original);
  });
});

describe('a dropped column added again with a default (as dbctl revert writes it)', () => {
  it('is filled back where rows hold only the default; a value the app wrote since is a conflict', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(
      `create table orders (id int primary key, status text not null default 'open'); insert into orders select g, case when g % 3 = 0 then 'shipped' else 'open' end from generate_series(1, 60) g;`,
    );
    const original = await md5(sql, 'orders');
    const manifest = await backup(sql, target, [
      { kind: 'column', schema: 'public', table: 'orders', column: 'status', reason: 'DROP COLUMN' },
    ]);
    await sql.unsafe(
      `alter table orders drop column status; alter table orders add column status text default 'open' not null; update orders set status = 'cancelled' where id in (3, 4);`,
    );
    const before = await everything(sql);
    await expect(restoreBackup(sql, target, manifest.id)).rejects.toMatchObject({
      code: 'RESTORE_CONFLICT',
      message: expect.stringContaining(
        'column public.orders.status was dropped after the backup and added again, and 2 row(s) hold values written since (id = 3, 4)',
      ),
    });
    expect(await everything(sql)).toBe(before);
    await sql.unsafe(`update orders set status = 'open' where id in (3, 4)`);
    await restoreBackup(sql, target, manifest.id);
    expect(await md5(sql, 'orders')).toBe(original);
  });
});

describe('rows written since the backup', () => {
  it('refuses to mix a dropped table back into one created again with rows; --overwrite restores the backed-up rows', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(
      `create table posts (id int primary key, title text); insert into posts select g, 'post ' || g from generate_series(1, 300) g;`,
    );
    const original = await md5(sql, 'posts');
    const manifest = await backup(sql, target, [{ kind: 'table', schema: 'public', table: 'posts', reason: 'DROP TABLE' }]);
    await sql.unsafe(
      `drop table posts; create table posts (id int primary key, title text); insert into posts values (1, 'new one'), (2, 'new two'), (301, 'new 301');`,
    );
    const before = await everything(sql);
    await expect(restoreBackup(sql, target, manifest.id)).rejects.toMatchObject({
      code: 'RESTORE_CONFLICT',
      message: expect.stringContaining('public.posts was dropped after the backup and created again, and holds 3 row(s) written since'),
    });
    expect(await everything(sql)).toBe(before);

    const result = await restoreBackup(sql, target, manifest.id, { overwrite: true });
    expect(result.objects[0]).toMatchObject({ action: 'inserted' });
    expect(await md5(sql, '(select * from posts where id <= 300)')).toBe(original);
    const [kept] = await sql`select title from posts where id = 301`;
    expect(kept!.title).toBe('new 301');
  });

  it('refuses to overwrite a row changed since the backup, naming its key; rows identical to the backup are no conflict', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(
      `create table t (id int primary key, v text, n int); insert into t select g, 'v' || g, g from generate_series(1, 200) g;`,
    );
    const original = await md5(sql, 't');
    const manifest = await backup(sql, target, [{ kind: 'rows', schema: 'public', table: 't', reason: 'DELETE without WHERE' }]);
    await sql.unsafe(`delete from t where id > 100; update t set v = 'changed' where id in (3, 7);`);
    const before = await everything(sql);
    await expect(restoreBackup(sql, target, manifest.id)).rejects.toMatchObject({
      code: 'RESTORE_CONFLICT',
      message: expect.stringContaining('public.t: 2 row(s) changed since the backup (id = 3, 7)'),
    });
    expect(await everything(sql)).toBe(before);
    const result = await restoreBackup(sql, target, manifest.id, { overwrite: true });
    expect(result.objects[0]).toMatchObject({ action: 'inserted', rows: 102 });
    expect(await md5(sql, 't')).toBe(original);
    // all rows identical now: restoring again changes nothing and is no conflict
    const again = await restoreBackup(sql, target, manifest.id);
    expect(again.objects[0]).toMatchObject({ action: 'inserted', rows: 0 });
  });
});

describe('partitions', () => {
  const seed = `
    create table events (id int not null, at date not null, kind text, primary key (id, at)) partition by range (at);
    create table events_2024 partition of events for values from ('2024-01-01') to ('2025-01-01');
    create table events_2025 partition of events for values from ('2025-01-01') to ('2026-01-01');
    create table events_other partition of events default;
    create index events_kind_idx on events (kind);
    insert into events select g, date '2024-01-01' + (g % 800), 'k' || (g % 7) from generate_series(1, 2000) g;
  `;
  const shape = async (sql: postgres.Sql) =>
    sql`select c.relname, c.relkind::text as kind, p.relname as parent, pg_get_expr(c.relpartbound, c.oid) as bound
        from pg_class c left join pg_inherits i on i.inhrelid = c.oid left join pg_class p on p.oid = i.inhparent
        where c.relname like 'events%' and c.relkind in ('r', 'p') and c.relnamespace = 'public'::regnamespace order by c.relname`;

  it('brings a dropped partitioned table back partitioned, with its partitions attached and its rows', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(seed);
    const original = await md5(sql, 'events', 'id, at');
    const layout = await shape(sql);
    const manifest = await backup(sql, target, [{ kind: 'table', schema: 'public', table: 'events', reason: 'DROP TABLE' }]);
    expect(manifest.objects[0]!.definition!.partitionBy).toBe('RANGE (at)');
    expect(manifest.objects[0]!.definition!.partitions!.map((p) => p.table)).toEqual(['events_2024', 'events_2025', 'events_other']);
    await sql.unsafe('drop table events');
    const result = await restoreBackup(sql, target, manifest.id);
    expect(result.objects[0]).toMatchObject({ action: 'created', rows: 2000 });
    expect(await shape(sql)).toEqual(layout);
    expect(await md5(sql, 'events', 'id, at')).toBe(original);
    const [counts] = await sql`select (select count(*)::int from events_2024) as a, (select count(*)::int from only events) as parent_only`;
    expect(counts).toEqual({ a: expect.any(Number), parent_only: 0 });
    expect(counts!.a).toBeGreaterThan(0);
    const indexes = await sql`select count(*)::int as n from pg_indexes where indexname like 'events%kind%'`;
    expect(indexes[0]!.n).toBe(4);
  });

  it('attaches a dropped partition back to its parent, so the parent shows every row again', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(seed);
    const original = await md5(sql, 'events', 'id, at');
    const layout = await shape(sql);
    const manifest = await backup(sql, target, [{ kind: 'table', schema: 'public', table: 'events_2025', reason: 'DROP TABLE' }]);
    expect(manifest.objects[0]!.definition!.partitionOf).toMatchObject({
      parentTable: 'events',
      bound: "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
    });
    await sql.unsafe('drop table events_2025');
    const [partial] = await sql`select count(*)::int as n from events`;
    expect(partial!.n).toBeLessThan(2000);
    const result = await restoreBackup(sql, target, manifest.id);
    expect(result.objects[0]!.notes.join('\n')).toContain('attached again as a partition of public.events');
    expect(await shape(sql)).toEqual(layout);
    expect(await md5(sql, 'events', 'id, at')).toBe(original);
  });

  it('does the same from the database target, and restores into another schema as a plain table for inspection', async () => {
    const { sql } = await setup();
    const target: BackupTarget = { kind: 'database' };
    await sql.unsafe(seed);
    const original = await md5(sql, 'events', 'id, at');
    const layout = await shape(sql);
    const manifest = await backup(sql, target, [{ kind: 'table', schema: 'public', table: 'events', reason: 'DROP TABLE' }]);
    const inspect = await restoreBackup(sql, target, manifest.id, { intoSchema: 'inspect' });
    expect(inspect.objects[0]!.notes.join('\n')).toContain('restored as a plain table');
    expect(await md5(sql, 'inspect.events', 'id, at')).toBe(original);
    await sql.unsafe('drop table events');
    await restoreBackup(sql, target, manifest.id);
    expect(await shape(sql)).toEqual(layout);
    expect(await md5(sql, 'events', 'id, at')).toBe(original);
  });

  it('refuses clearly to restore a partition whose parent no longer exists, and changes nothing', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(seed);
    const manifest = await backup(sql, target, [{ kind: 'table', schema: 'public', table: 'events_2025', reason: 'DROP TABLE' }]);
    await sql.unsafe('drop table events');
    const before = await everything(sql);
    await expect(restoreBackup(sql, target, manifest.id)).rejects.toMatchObject({
      code: 'OPERATION_FAILED',
      message: expect.stringContaining('it was a partition of public.events, which no longer exists'),
    });
    expect(await everything(sql)).toBe(before);
  });
});

describe('dbctl restore --overwrite (binary)', () => {
  for (const env of ['development', 'production'] as const) {
    it(`exits 1 naming the conflict, and 0 with --overwrite (${env})`, async () => {
      db = await createTestDatabase('conflictcli');
      const environments = { development: { url: 'env:DATABASE_URL' }, production: { url: 'env:DATABASE_URL', protected: true } };
      project = await createProject(db.url, { dbctlConfig: { environments } });
      const envFlags = env === 'production' ? ['--env', 'production', '--allow-restore'] : [];
      await db.sql.unsafe(
        `create table users (id int primary key, bio text); insert into users select g, 'bio ' || g from generate_series(1, 20) g;`,
      );
      const original = await md5(db.sql, 'users');
      const taken = await project.dbctl([
        'backup',
        '--tables',
        'users',
        '--json',
        ...(env === 'production' ? ['--env', 'production'] : []),
      ]);
      expect(taken.code).toBe(0);
      const id = taken.json().id as string;
      await db.sql.unsafe(`update users set bio = 'newer' where id = 4`);
      const changed = await md5(db.sql, 'users');
      const refused = await project.dbctl(['restore', id, ...envFlags]);
      expect(refused.code).toBe(1);
      expect(await md5(db.sql, 'users')).toBe(changed);
      expect(refused.stderr).toContain('public.users: 1 row(s) changed since the backup (id = 4)');
      expect(refused.stderr).toContain('--overwrite');
      const restored = await project.dbctl(['restore', id, '--overwrite', '--json', ...envFlags]);
      expect(restored.code).toBe(0);
      expect(restored.json()).toMatchObject({ objects: [{ table: 'users', action: 'inserted', rows: 1 }] });
      expect(await md5(db.sql, 'users')).toBe(original);
    });
  }
});
