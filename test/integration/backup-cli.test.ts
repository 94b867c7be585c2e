/**
 * `dbctl backup`, `dbctl backups` and `dbctl restore` through the built binary, as a user runs
 * them: exit codes, one JSON document on stdout, the protected-environment guard, no password.
 */
import { describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { testProject, type TestProject } from '../support/project.js';

let db: TestDatabase | undefined;
let project: TestProject | undefined;

describe('dbctl backup / backups / restore (binary)', () => {
  it('backs up, lists and restores; guards a protected environment; never prints the password', async () => {
    db = await testDatabase('backupcli');
    project = await testProject(db.url, {
      dbctlConfig: { environments: { development: { url: 'env:DATABASE_URL' }, production: { url: 'env:DATABASE_URL', protected: true } } },
    });
    await db.sql.unsafe(
      `create table users (id serial primary key, email text not null); insert into users (email) select 'u' || g from generate_series(1, 500) g;`,
    );
    const before = (await db.sql`select md5(string_agg(u::text, ',' order by id)) as h from users u`)[0]!.h;
    const password = new URL(db.url).password;
    const outputs: string[] = [];
    const run = async (args: string[]) => {
      const result = await project!.dbctl(args);
      outputs.push(result.stdout, result.stderr);
      return result;
    };

    const backup = await run(['backup', '--tables', 'users', '--json']);
    expect(backup.code).toBe(0);
    const id = backup.json().id as string;
    expect(backup.json()).toMatchObject({ env: 'development', rows: 500, objects: [{ table: 'users', whole: true }] });

    const list = await run(['backups', '--json']);
    expect(list.code).toBe(0);
    expect(list.json().map((b: { id: string }) => b.id)).toEqual([id]);

    expect((await run(['restore', '20260101T000000Z-development-manual-0000'])).code).toBe(2);

    await db.sql`drop table users`;
    const refused = await run(['restore', id, '--env', 'production']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('--allow-restore');
    const [gone] = await db.sql`select to_regclass('public.users') is null as gone`;
    expect(gone!.gone).toBe(true);

    const restored = await run(['restore', id, '--env', 'production', '--allow-restore', '--json']);
    expect(restored.code).toBe(0);
    expect(restored.json()).toMatchObject({ id, rows: 500, objects: [{ table: 'users', action: 'created' }] });
    expect((await db.sql`select md5(string_agg(u::text, ',' order by id)) as h from users u`)[0]!.h).toBe(before);

    for (const text of outputs) expect(text).not.toContain(password);
  });
});
