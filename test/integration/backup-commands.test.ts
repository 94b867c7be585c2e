/**
 * `dbctl backup`, `dbctl backups`, `dbctl restore` and the migrate hook, through their run
 * functions with a hand-made context (the binary wiring is the CLI's): options, config, output,
 * exit codes, the protected-environment guard, and no password in anything printed.
 */
import { describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { runBackup } from '../../src/commands/backup.js';
import { runBackups } from '../../src/commands/backups.js';
import { runRestore } from '../../src/commands/restore.js';
import { backupBeforeMigration } from '../../src/backup/migrate.js';
import type { CommandContext } from '../../src/ops/context.js';
import { createOutput } from '../../src/io/output.js';
import { loadProject } from '../../src/config/index.js';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { testProject, type TestProject } from '../support/project.js';

let db: TestDatabase | undefined;
let project: TestProject | undefined;

interface Run {
  ctx: CommandContext;
  stdout(): string;
  stderr(): string;
}

function context(options: { json?: boolean; env?: string; yes?: boolean; interactive?: boolean; tty?: boolean } = {}): Run {
  let stdout = '';
  let stderr = '';
  const out = createOutput(
    { json: Boolean(options.json), color: false, verbose: false },
    {
      stdout: { write: (chunk: string) => (stdout += chunk), isTTY: Boolean(options.tty) },
      stderr: { write: (chunk: string) => (stderr += chunk), isTTY: Boolean(options.tty) },
      stdinIsTTY: Boolean(options.interactive),
      ci: !options.interactive,
      noColorEnv: true,
    },
  );
  return {
    ctx: {
      cwd: project!.dir,
      globals: {
        env: options.env,
        envExplicit: options.env !== undefined,
        url: undefined,
        config: undefined,
        json: Boolean(options.json),
        yes: Boolean(options.yes),
        verbose: false,
      },
      out,
      env: { DATABASE_URL: db!.url },
    },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

async function setup(config?: object): Promise<void> {
  db = await testDatabase('backupcmd');
  project = await testProject(db.url, config ? { dbctlConfig: config } : {});
  await db.sql.unsafe(`
    create table users (id serial primary key, email text not null);
    insert into users (email) select 'u' || g || '@x.io' from generate_series(1, 1000) g;
    create table notes (id int primary key, body text);
    insert into notes values (1, 'one');
  `);
}

const md5 = async () => (await db!.sql`select md5(string_agg(u::text, ',' order by id)) as h from users u`)[0]!.h as string;

describe('dbctl backup, backups, restore', () => {
  it('backs up named tables, lists them, and restores a dropped table (--json)', async () => {
    await setup();
    const before = await md5();
    const backup = context({ json: true });
    expect(await runBackup(backup.ctx, { tables: 'users' })).toBe(0);
    const doc = JSON.parse(backup.stdout());
    expect(doc).toMatchObject({
      env: 'development',
      target: 'dir',
      rows: 1000,
      objects: [{ schema: 'public', table: 'users', whole: true, rows: 1000 }],
    });
    expect(doc.location).toBe(path.join(project!.dir, '.dbctl/backups', doc.id));

    const list = context({ json: true });
    expect(await runBackups(list.ctx, {})).toBe(0);
    expect(JSON.parse(list.stdout())).toEqual([
      expect.objectContaining({
        id: doc.id,
        env: 'development',
        tag: null,
        objects: 1,
        rows: 1000,
        bytes: doc.bytes,
        tables: ['public.users'],
        ageSeconds: expect.any(Number),
      }),
    ]);

    await db!.sql`drop table users`;
    const restore = context({ json: true });
    expect(await runRestore(restore.ctx, { args: [doc.id] })).toBe(0);
    expect(JSON.parse(restore.stdout())).toMatchObject({
      id: doc.id,
      rows: 1000,
      objects: [{ table: 'users', action: 'created', into: 'public.users', rows: 1000 }],
    });
    expect(await md5()).toBe(before);

    const password = new URL(db!.url).password;
    for (const run of [backup, list, restore]) expect(run.stdout() + run.stderr()).not.toContain(password);
  });

  it('backs up every table when none are named, and prints readable text', async () => {
    await setup();
    const backup = context();
    expect(await runBackup(backup.ctx, {})).toBe(0);
    expect(backup.stdout()).toMatch(/backed up public\.notes: 1 rows/);
    expect(backup.stdout()).toMatch(/public\.users\s+1,000 rows\s+\S+ \S+\s+whole table/);
    expect(backup.stdout()).toContain('2 object(s), 1,001 rows');

    const list = context();
    expect(await runBackups(list.ctx, {})).toBe(0);
    const lines = list.stdout().trim().split('\n');
    expect(lines[1]).toMatch(/^ID\s+ENV\s+TAG\s+OBJECTS\s+ROWS\s+SIZE\s+AGE$/);
    expect(lines[2]).toMatch(/^\d{8}T\d{6}Z-development-manual-[0-9a-f]{4}\s+development\s+\(manual\)\s+2\s+1,001\s+/);
  });

  it('lists an empty dir target without connecting to the database', async () => {
    await setup();
    const list = context({ json: true });
    list.ctx.env = {}; // no url at all: the dir target needs none
    expect(await runBackups(list.ctx, {})).toBe(0);
    expect(JSON.parse(list.stdout())).toEqual([]);
  });

  it('rejects unknown tables and unknown backup ids as usage errors', async () => {
    await setup();
    await expect(runBackup(context().ctx, { tables: 'users,nope' })).rejects.toMatchObject({
      code: 'USAGE',
      exitCode: 2,
      message: 'no table public.nope in the database',
    });
    await expect(runRestore(context().ctx, { args: ['20260101T000000Z-development-manual-0000'] })).rejects.toMatchObject({
      code: 'USAGE',
      exitCode: 2,
      hint: expect.stringContaining('dbctl backups'),
    });
    await expect(runRestore(context().ctx, { args: [] })).rejects.toMatchObject({ code: 'USAGE' });
    expect(await readdir(path.join(project!.dir, '.dbctl/backups')).catch(() => [])).toEqual([]);
  });

  it('refuses a restore into a protected environment without --allow-restore when non-interactive', async () => {
    await setup({ environments: { production: { url: 'env:DATABASE_URL', protected: true } } });
    const backup = context({ json: true, env: 'production' });
    await runBackup(backup.ctx, { tables: 'notes' });
    const id = JSON.parse(backup.stdout()).id;
    await db!.sql`drop table notes`;
    for (const ctx of [context({ env: 'production' }).ctx, context({ env: 'production', yes: true }).ctx]) {
      await expect(runRestore(ctx, { args: [id] })).rejects.toMatchObject({
        code: 'REFUSED',
        exitCode: 3,
        hint: expect.stringContaining('--allow-restore'),
      });
    }
    const [gone] = await db!.sql`select to_regclass('public.notes') is null as gone`;
    expect(gone!.gone).toBe(true);
    // interactive with --yes, or non-interactive with --allow-restore
    expect(await runRestore(context({ env: 'production', yes: true, interactive: true }).ctx, { args: [id], intoSchema: 'inspect' })).toBe(
      0,
    );
    expect(await runRestore(context({ env: 'production' }).ctx, { args: [id], allowRestore: true })).toBe(0);
    const rows = await db!.sql`select * from notes union all select * from inspect.notes`;
    expect(rows).toEqual([
      { id: 1, body: 'one' },
      { id: 1, body: 'one' },
    ]);
  });

  it('uses the database target for backup, backups and restore', async () => {
    await setup({ environments: { development: { url: 'env:DATABASE_URL' } }, backup: { target: 'database', keep: 1 } });
    const first = context({ json: true });
    await runBackup(first.ctx, { tables: 'notes' });
    const second = context({ json: true });
    await runBackup(second.ctx, { tables: 'users' });
    const id = JSON.parse(second.stdout()).id;
    expect(second.stderr()).toContain('removed 1 old backup(s)');
    const list = context({ json: true });
    await runBackups(list.ctx, {});
    expect(JSON.parse(list.stdout()).map((b: { id: string }) => b.id)).toEqual([id]);
    await db!.sql`delete from users where id > 10`;
    const restore = context();
    expect(await runRestore(restore.ctx, { args: [id], tables: 'users' })).toBe(0);
    expect(restore.stdout()).toContain('put 990 rows back into public.users');
    expect(restore.stdout()).toContain('note: public.users is not empty: rows whose key already exists are kept as they are');
  });
});

describe('backupBeforeMigration', () => {
  it('backs up what a migration destroys and returns the id; throws BACKUP_FAILED when it cannot', async () => {
    await setup();
    const loaded = await loadProject({ cwd: project!.dir, env: {} });
    const run = context();
    const id = await backupBeforeMigration(
      db!.sql,
      [
        { kind: 'column', schema: 'public', table: 'users', column: 'email', reason: 'DROP COLUMN' },
        { kind: 'table', schema: 'public', table: 'created_in_this_migration', reason: 'DROP TABLE' },
      ],
      { tag: '0003_drop_email', envName: 'development', project: loaded, out: run.ctx.out },
    );
    expect(id).toMatch(/^\d{8}T\d{6}Z-development-0003_drop_email-[0-9a-f]{4}$/);
    expect(run.stdout()).toMatch(new RegExp(`backup ${id} in .*: 1 object\\(s\\), 1,000 rows, .* \\(verified\\)`));
    const list = context({ json: true });
    await runBackups(list.ctx, {});
    expect(JSON.parse(list.stdout())[0]).toMatchObject({
      id,
      tag: '0003_drop_email',
      reason: 'before migration 0003_drop_email',
      tables: ['public.users(email)'],
    });

    const broken = { ...loaded, backup: { ...loaded.backup, dir: path.join(project!.dir, 'dbctl.config.json', 'x') } };
    await expect(
      backupBeforeMigration(db!.sql, [{ kind: 'table', schema: 'public', table: 'users', reason: 'DROP TABLE' }], {
        tag: '0004',
        envName: 'development',
        project: broken,
        out: run.ctx.out,
      }),
    ).rejects.toMatchObject({ code: 'BACKUP_FAILED', exitCode: 1, message: expect.stringContaining('is not writable') });
  });

  it('previews what it would back up without taking a backup (for --dry-run)', async () => {
    await setup();
    const { previewBackup } = await import('../../src/backup/preview.js');
    const preview = await previewBackup(db!.sql, [
      { kind: 'column', schema: 'public', table: 'users', column: 'email', reason: 'DROP COLUMN' },
      { kind: 'table', schema: 'public', table: 'gone', reason: 'DROP TABLE' },
    ]);
    expect(preview.items).toEqual([
      {
        schema: 'public',
        table: 'users',
        whole: false,
        columns: ['id', 'email'],
        estimatedRows: expect.any(Number),
        reasons: ['DROP COLUMN email'],
      },
    ]);
    expect(preview.skipped).toEqual([expect.objectContaining({ table: 'gone' })]);
    expect(await readdir(path.join(project!.dir, '.dbctl/backups')).catch(() => [])).toEqual([]);
  });

  it('draws a progress bar on a terminal', async () => {
    await setup();
    const loaded = await loadProject({ cwd: project!.dir, env: {} });
    const run = context({ tty: true });
    let drawn = '';
    const { progressRenderer } = await import('../../src/backup/progress.js');
    const { takeBackup } = await import('../../src/backup/take.js');
    const renderer = progressRenderer(run.ctx.out, {
      stream: { isTTY: true, columns: 120, write: (s: string) => ((drawn += s), true) } as never,
    });
    await db!.sql.unsafe(`insert into users (email) select 'more' || g from generate_series(1, 300000) g`);
    await takeBackup(
      db!.sql,
      { objects: { tables: ['users'] }, tag: null, envName: 'development', reason: 'manual' },
      { target: { kind: 'dir', dir: loaded.backup.dir }, onProgress: renderer.listener, dbctlVersion: 'test' },
    );
    renderer.stop();
    expect(drawn).toContain('backing up public.users');
    expect(drawn).toMatch(/rows \| [\d.]+ MB \| [\d.]+ MB\/s/);
  });
});
