/**
 * An SQL file in the folder that the journal does not list is applied by neither drizzle-kit nor
 * dbctl (a hand-written file never added to the journal, an entry lost in a merge). `dbctl check`
 * fails on it; status and migrate name it, so "nothing pending" is not read as "it is applied",
 * unless the project accepted it (`check.acceptJournal`).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testDatabase } from '../support/db.js';
import { testProject } from '../support/project.js';

const NOTE = 'note: drizzle/0001_hand_written.sql is not in the journal: neither drizzle-kit nor dbctl applies it';

describe('an SQL file the journal does not list', () => {
  it('is named by status and migrate (also under --json, on stderr), and applied by neither', async () => {
    const db = await testDatabase('unlisted');
    const project = await testProject(db.url);
    await project.addMigration({ name: 't', sql: ['CREATE TABLE "t" ("id" integer PRIMARY KEY)'] });
    await writeFile(path.join(project.out, '0001_hand_written.sql'), 'CREATE TABLE "u" ("id" integer PRIMARY KEY);\n');

    const migrate = await project.dbctl(['migrate', '--json']);
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stderr).toContain(NOTE);
    expect(migrate.json().applied.map((m: { tag: string }) => m.tag)).toEqual(['0000_t']);
    const [u] = await db.sql`select to_regclass('public.u') as u`;
    expect(u!.u).toBeNull();

    const status = await project.dbctl(['status']);
    expect(status.code).toBe(0);
    expect(status.stderr).toContain(NOTE);
    const check = await project.dbctl(['check', '--format', 'json']);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('orphan@0001_hand_written');
  });

  it('is not named once the project accepted it (check.acceptJournal)', async () => {
    const db = await testDatabase('unlisted');
    const project = await testProject(db.url, {
      dbctlConfig: { environments: { development: { url: 'env:DATABASE_URL' } }, check: { acceptJournal: ['orphan@0001_hand_written'] } },
    });
    await project.addMigration({ name: 't', sql: ['CREATE TABLE "t" ("id" integer PRIMARY KEY)'] });
    await writeFile(path.join(project.out, '0001_hand_written.sql'), 'SELECT 1;\n');
    const migrate = await project.dbctl(['migrate']);
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stderr).not.toContain('not in the journal');
  });
});
