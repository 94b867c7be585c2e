/**
 * migrate's production guard and the backup it takes before destructive migrations, end to end
 * through the binary: refused without --allow-destructive, --no-backup refused, a failed backup
 * blocks the migration, and `dbctl restore` brings the dropped data back.
 */
import { describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { testProject, type TestProject } from '../support/project.js';

let project: TestProject | undefined;
let db: TestDatabase | undefined;

const production = { environments: { production: { url: 'env:DATABASE_URL', protected: true } } };

async function seeded(config?: object): Promise<TestProject> {
  db = await testDatabase('guards');
  const p = await testProject(db.url, config ? { dbctlConfig: config } : {});
  await p.addMigration({ name: 'users', sql: ['CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" text NOT NULL, "note" text);'] });
  const env = config ? ['--env', 'production'] : [];
  expect((await p.dbctl(['migrate', ...env])).code).toBe(0);
  await db.sql`insert into users (email, note) select 'u' || g || '@x', 'note ' || g from generate_series(1, 500) g`;
  await p.addMigration({ name: 'drop_note', sql: ['ALTER TABLE "users" DROP COLUMN "note";'] });
  return p;
}

describe('destructive migrations', () => {
  it('on a protected environment: refused without --allow-destructive, --no-backup refused, then backed up and restorable', async () => {
    project = await seeded(production);
    const refused = await project.dbctl(['migrate', '--env', 'production', '--json']);
    expect(refused.code).toBe(3);
    expect(refused.json().status).toBe('refused');
    expect(refused.stderr).toContain('--allow-destructive');
    expect(refused.stderr).toContain('0001_drop_note');

    const noBackup = await project.dbctl(['migrate', '--env', 'production', '--allow-destructive', '--no-backup']);
    expect(noBackup.code).toBe(3);
    const [still] = await db!
      .sql`select count(*)::int as n from information_schema.columns where table_name = 'users' and column_name = 'note'`;
    expect(still!.n).toBe(1);

    const applied = await project.dbctl(['migrate', '--env', 'production', '--allow-destructive', '--json']);
    expect(applied.code, applied.stderr).toBe(0);
    const [entry] = applied.json().applied;
    expect(entry.tag).toBe('0001_drop_note');
    expect(typeof entry.backup).toBe('string');
    const [history] = await db!.sql`select backup_id from dbctl.migration_history where tag = '0001_drop_note'`;
    expect(history!.backup_id).toBe(entry.backup);

    const list = await project.dbctl(['backups', '--env', 'production', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.stringify(list.json())).toContain(entry.backup);

    const restoreRefused = await project.dbctl(['restore', entry.backup, '--env', 'production']);
    expect(restoreRefused.code).toBe(3);
    const restored = await project.dbctl(['restore', entry.backup, '--env', 'production', '--allow-restore']);
    expect(restored.code, restored.stderr).toBe(0);
    const rows = await db!.sql`select count(*)::int as n from users where note = 'note ' || id`;
    expect(rows[0]!.n).toBe(500);
  });

  it('on development: backs up automatically; a failed backup blocks the migration and leaves the database unchanged', async () => {
    project = await seeded();
    await writeFile(path.join(project.dir, 'not-a-dir'), 'x');
    await writeFile(
      path.join(project.dir, 'dbctl.config.json'),
      JSON.stringify({ environments: { development: { url: 'env:DATABASE_URL' } }, backup: { dir: 'not-a-dir' } }),
    );
    const failed = await project.dbctl(['migrate', '--json']);
    expect(failed.code).toBe(1);
    expect(failed.json()).toMatchObject({ status: 'failed', applied: [], error: { tag: '0001_drop_note', statement: null } });
    expect(failed.stderr).toContain('backup');
    const [still] = await db!
      .sql`select count(*)::int as n from information_schema.columns where table_name = 'users' and column_name = 'note'`;
    expect(still!.n).toBe(1);

    await writeFile(
      path.join(project.dir, 'dbctl.config.json'),
      JSON.stringify({ environments: { development: { url: 'env:DATABASE_URL' } } }),
    );
    const ok = await project.dbctl(['migrate', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json().applied[0].backup).toEqual(expect.any(String));
    const dryRun = await project.dbctl(['status']);
    expect(dryRun.code).toBe(0);
  });
});
