/**
 * The copy connection a `dir` backup copies through (a second connection in the backup
 * transaction's snapshot whose COPY text bypasses postgres.js's per-row work): what it copies is
 * what the backup transaction would have copied, its locks are gone when the backup returns, and
 * a connection it cannot be opened for (TLS) copies on its own connection as before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import postgres from 'postgres';
import { startCopyConnection } from '../../src/backup/copy-connection.js';
import { restoreBackup } from '../../src/backup/restore.js';
import { takeBackup } from '../../src/backup/take.js';
import type { BackupManifest, BackupTarget } from '../../src/backup/types.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { onTinyDisk } from '../support/tiny-disk.js';

let db: TestDatabase | undefined;
let dirs: string[] = [];
const pools: postgres.Sql[] = [];

afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.end({ timeout: 1 });
  await db?.drop();
  db = undefined;
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  dirs = [];
});

async function setup(): Promise<{ sql: postgres.Sql; url: string; dir: string; target: BackupTarget }> {
  db = await createTestDatabase('backup_copy');
  const base = await mkdtemp(path.join(tmpdir(), 'dbctl-backup-copy-'));
  dirs.push(base);
  const dir = path.join(base, 'backups');
  return { sql: db.sql, url: db.url, dir, target: { kind: 'dir', dir } };
}

function pool(url: string, options: postgres.Options<{}> = {}): postgres.Sql {
  const sql = postgres(url, { max: 1, onnotice: () => {}, ...options });
  pools.push(sql);
  return sql;
}

const manual = (tables: string[]) => ({ objects: { tables }, tag: null, envName: 'development', reason: 'manual backup' });
const options = (target: BackupTarget) => ({ target, dbctlVersion: '0.0.0-test' });

async function fileText(dir: string, manifest: BackupManifest, index = 0): Promise<string> {
  return gunzipSync(await readFile(path.join(dir, manifest.id, manifest.objects[index]!.file))).toString();
}

/** The COPY text of `copySql` on `sql`, read through postgres.js. */
async function copyText(sql: postgres.Sql, copySql: string): Promise<string> {
  const readable = await sql.unsafe(copySql).readable();
  const chunks: Buffer[] = [];
  for await (const chunk of readable) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

async function md5(sql: postgres.Sql, table: string): Promise<string> {
  const [row] = await sql.unsafe(
    `select md5(coalesce(string_agg(t::text, ',' order by t::text), '')) as h, count(*)::int as n from ${table} t`,
  );
  return `${row!.n}:${row!.h}`;
}

describe('the copy connection', () => {
  it("copies in the backup transaction's snapshot, not what was committed since", async () => {
    const { sql } = await setup();
    await sql.unsafe(`create table t (id int primary key, v text); insert into t select g, 'old' from generate_series(1, 1000) g;`);
    const texts = await sql.begin('isolation level repeatable read read only', async (tx) => {
      await tx`select count(*) from t`; // the snapshot is taken here
      await sql.unsafe(`insert into t select g, 'new' from generate_series(1001, 1100) g; update t set v = 'changed' where id = 1;`);
      const connection = startCopyConnection(sql);
      expect(connection).not.toBeNull();
      try {
        expect(await connection!.attach(tx)).toBe(true);
        const result: string[] = [];
        for (const table of ['t', 't']) {
          const parts: Buffer[] = [];
          const copy = connection!.copy(`copy ${table} to stdout`, (chunk, start, end) =>
            parts.push(Buffer.from(chunk.subarray(start, end))),
          );
          expect(await copy.done).toMatchObject({ rows: 1000 });
          result.push(Buffer.concat(parts).toString());
        }
        return result;
      } finally {
        await connection!.close();
      }
    });
    const expected = Array.from({ length: 1000 }, (_, i) => `${i + 1}\told\n`).join('');
    expect(texts[0]!.split('\n').sort().join('\n')).toBe(expected.split('\n').sort().join('\n'));
    expect(texts[1]).toBe(texts[0]);
  });

  it("writes values as the backup's session would (date, time zone, interval, float and bytea settings)", async () => {
    const { url, dir, target } = await setup();
    const one = pool(url);
    await one.unsafe(`
      create table v (id int primary key, at timestamptz, day date, span interval, f float8, b bytea, n numeric, m money);
      insert into v values (1, '2024-02-29 23:30:00.123456+00', '2024-02-29', '1 day 02:03:04.5', 0.1::float8 + 0.2::float8, '\\x00ff5c0a'::bytea, 12.5, 3.5),
                           (2, null, null, '-3 months', 'NaN', '', null, null);
      set datestyle = 'SQL, DMY'; set timezone = 'Asia/Kolkata'; set intervalstyle = 'sql_standard';
      set extra_float_digits = 0; set bytea_output = 'escape';
    `);
    const manifest = await takeBackup(one, manual(['v']), options(target));
    expect(await fileText(dir, manifest)).toBe(await copyText(one, 'copy v (id, at, day, span, f, b, n, m) to stdout'));
  });

  it('backs up rows larger than a socket read, awkward values and empty tables identically, several tables in one backup', async () => {
    const { sql, target } = await setup();
    await sql.unsafe(`
      create table huge (id int primary key, v text);
      insert into huge select g, repeat(md5(g::text), 100000 * (g % 3)) from generate_series(1, 6) g;
      create table odd (id int primary key, v text, j jsonb, a text[]);
      insert into odd values (1, E'tab\\there\\nnewline\\\\backslash', '{"k": "v\\n"}', '{"a,b","c\\"d"}'),
                             (2, null, null, null), (3, 'ünïcødé ✓', '[]', '{}'), (4, '', '""', '{NULL}');
      create table empty (id int primary key, v text);
      create table many (id int primary key, v int); insert into many select g, g * 3 from generate_series(1, 50000) g;
    `);
    const before = await Promise.all(['huge', 'odd', 'empty', 'many'].map((t) => md5(sql, t)));
    const manifest = await takeBackup(sql, manual(['huge', 'odd', 'empty', 'many']), options(target));
    expect(manifest.objects.map((o) => [o.table, o.rows])).toEqual([
      ['empty', 0],
      ['huge', 6],
      ['many', 50000],
      ['odd', 4],
    ]);
    await sql.unsafe('drop table huge, odd, empty, many');
    await restoreBackup(sql, target, manifest.id);
    expect(await Promise.all(['huge', 'odd', 'empty', 'many'].map((t) => md5(sql, t)))).toEqual(before);
  });

  it('holds no lock and no open transaction once the backup has returned', async () => {
    const { url, target } = await setup();
    const one = pool(url);
    await one.unsafe(`create table t (id int primary key, v text); insert into t select g, 'v' from generate_series(1, 20000) g;`);
    await takeBackup(
      one,
      {
        objects: [{ kind: 'column', schema: 'public', table: 't', column: 'v', reason: 'DROP COLUMN' }],
        tag: '0001_drop',
        envName: 'development',
        reason: 'before migration 0001_drop',
      },
      options(target),
    );
    const [others] =
      await one`select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state like 'idle in transaction%'`;
    expect(others!.n).toBe(0);
    await one.unsafe(`set lock_timeout = '100ms'; alter table t drop column v;`);
  });

  it("keeps the backup transaction alive while it waits for the copy connection's COPY (idle_in_transaction_session_timeout)", async () => {
    const { url, target } = await setup();
    const one = pool(url);
    await one.unsafe(
      `create table t (id int primary key, v text); insert into t select g, repeat(md5(g::text), 8) from generate_series(1, 200000) g;`,
    );
    await one.unsafe(`set idle_in_transaction_session_timeout = '100ms'`);
    const manifest = await takeBackup(one, manual(['t']), options(target));
    expect(manifest.objects[0]!.rows).toBe(200000);
    const [row] = await one`select current_setting('idle_in_transaction_session_timeout') as t`;
    expect(row!.t).toBe('100ms');
  });

  it('fails with BACKUP_FAILED, leaving nothing, when the copy connection is lost during a COPY; the connection stays usable', async () => {
    const { url, dir, target } = await setup();
    const one = pool(url);
    const watcher = pool(url);
    await one.unsafe(
      `create table t (id int primary key, v text); insert into t select g, repeat(md5(g::text), 8) from generate_series(1, 300000) g;`,
    );
    let terminated = 0;
    const kill = (async () => {
      for (let i = 0; i < 400 && terminated === 0; i++) {
        const rows = await watcher`select pg_terminate_backend(pid) as ok from pg_stat_activity
                                  where datname = current_database() and pid <> pg_backend_pid() and query ilike 'copy %' and state = 'active'`;
        terminated = rows.length;
        if (!terminated) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await expect(takeBackup(one, manual(['t']), options(target))).rejects.toMatchObject({ code: 'BACKUP_FAILED' });
    await kill;
    expect(terminated).toBe(1);
    expect(await readdir(dir)).toEqual([]);
    const [row] = await one`select count(*)::int as n from t`;
    expect(row!.n).toBe(300000);
  });

  it('copies on the backup transaction itself when the connection cannot be tapped (TLS)', async () => {
    const { url, target } = await setup();
    // the test server has no TLS: 'prefer' connects in plain text, but the options ask for TLS
    const tls = pool(url, { ssl: 'prefer' });
    await tls.unsafe(`create table t (id int primary key, v text); insert into t select g, md5(g::text) from generate_series(1, 30000) g;`);
    expect(startCopyConnection(tls)).toBeNull();
    const before = await md5(tls, 't');
    const manifest = await takeBackup(tls, manual(['t']), options(target));
    expect(manifest.objects[0]!.rows).toBe(30000);
    await tls.unsafe('drop table t');
    await restoreBackup(tls, target, manifest.id);
    expect(await md5(tls, 't')).toBe(before);
  });

  it('on the backup transaction itself (TLS): stays usable when a small table arrives before the stream is read', async () => {
    const { url, target } = await setup();
    const tls = pool(url, { ssl: 'prefer' });
    await tls.unsafe(
      `create table small (id int primary key, v text); insert into small select g, 'v' || g from generate_series(1, 3000) g;`,
    );
    for (let i = 0; i < 10; i++) {
      await takeBackup(tls, manual(['small']), options(target));
      const [row] = await tls`select 1 as ok`;
      expect(row!.ok).toBe(1);
    }
  });

  it('on the backup transaction itself (TLS): fails with BACKUP_FAILED on a full disk, removes the partial backup, and the connection stays usable', async (context) => {
    const { url } = await setup();
    const mountPoint = await mkdtemp(path.join(tmpdir(), 'dbctl-backup-copy-full-'));
    dirs.push(mountPoint);
    const mounted = await onTinyDisk(mountPoint, async () => {
      const tls = pool(url, { ssl: 'prefer' });
      await tls.unsafe(
        `create table big (id int primary key, v text); insert into big select g, md5(g::text) || md5((g * 7)::text) from generate_series(1, 200000) g;`,
      );
      const dir = path.join(mountPoint, 'backups');
      const attempt = takeBackup(tls, manual(['big']), options({ kind: 'dir', dir }));
      await expect(attempt).rejects.toMatchObject({
        code: 'BACKUP_FAILED',
        message: expect.stringMatching(/could not be written .*no space left on the device/),
      });
      expect(await readdir(dir)).toEqual([]);
      const [ok] = await tls`select count(*)::int as n from big`;
      expect(ok!.n).toBe(200000);
    });
    if (!mounted) context.skip(); // needs root and mount permission
  });
});
