/**
 * Acknowledging history: folder problems that predate a baseline (a snapshot chain broken long
 * ago, an old orphan SQL file) are accepted by `dbctl check --baseline` (or `check.acceptJournal`
 * in dbctl.config) and listed, while a new problem still fails; and a drizzle config whose
 * migrations table is empty while drizzle's default one holds rows is named as such.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { testProject, type TestProject } from '../support/project.js';

let project: TestProject | undefined;
let db: TestDatabase | undefined;

type Check = { id: string; ok: boolean; message: string; details?: string[] };
const byId = (checks: Check[], id: string) => checks.find((c) => c.id === id)!;
const NO_DB = 'postgres://nobody:pw@127.0.0.1:1/none';

const schema = (columns: string) => `import { integer, pgTable, text } from 'drizzle-orm/pg-core';
export const users = pgTable('users', { id: integer('id').primaryKey(), ${columns} });
`;

/** Three generated migrations, then the chain broken at 0001 (its prevId no longer the 0000 id). */
async function brokenChainProject(dbctlConfig?: object): Promise<TestProject> {
  const p = await testProject(NO_DB, dbctlConfig ? { dbctlConfig } : {});
  for (const [i, columns] of ['', "name: text('name'),", "name: text('name'), age: integer('age'),"].entries()) {
    await writeFile(path.join(p.dir, 'schema.ts'), schema(columns));
    const generated = await p.dbctl(['generate', '--name', `m${i}`]);
    expect(generated.code, generated.stderr).toBe(0);
  }
  const file = path.join(p.out, 'meta', '0001_snapshot.json');
  const snapshot = JSON.parse(await readFile(file, 'utf8'));
  snapshot.prevId = '11111111-2222-3333-4444-555555555555';
  await writeFile(file, JSON.stringify(snapshot, null, 2));
  return p;
}

describe('check: a baseline for folder problems that predate it', () => {
  it('--baseline records the problems there are now; they pass afterwards, listed; a new problem still fails', async () => {
    project = await brokenChainProject();
    const broken = await project.dbctl(['check', '--format', 'json'], { DATABASE_URL: undefined });
    expect(broken.code).toBe(1);
    const journal = byId(broken.json().checks, 'journal');
    expect(journal.ok).toBe(false);
    expect(journal.details!.join('\n')).toContain('[prevId@0001]');
    expect(journal.details!.join('\n')).toContain('dbctl check --baseline');

    const baseline = await project.dbctl(['check', '--baseline', '--format', 'json'], { DATABASE_URL: undefined });
    expect(baseline.code, baseline.stdout + baseline.stderr).toBe(0);
    expect(JSON.parse(await readFile(path.join(project.dir, 'dbctl.baseline.json'), 'utf8'))).toEqual({ acceptJournal: ['prevId@0001'] });
    const accepted = await project.dbctl(['check', '--format', 'json'], { DATABASE_URL: undefined });
    expect(accepted.code).toBe(0);
    expect(byId(accepted.json().checks, 'journal')).toMatchObject({
      ok: true,
      details: [expect.stringContaining('accepted (prevId@0001)')],
    });

    // a new problem: an orphan SQL file
    await writeFile(path.join(project.out, '0003_orphan.sql'), 'SELECT 1;');
    const fresh = await project.dbctl(['check', '--format', 'json'], { DATABASE_URL: undefined });
    expect(fresh.code).toBe(1);
    const details = byId(fresh.json().checks, 'journal').details!.join('\n');
    expect(details).toContain('0003_orphan.sql is not in the journal');
    expect(details).toContain('[orphan@0003_orphan]');
    expect(details).toContain('accepted (prevId@0001)');
  });

  it('check.acceptJournal in dbctl.config accepts the same ids', async () => {
    project = await brokenChainProject({
      environments: { development: { url: 'env:DATABASE_URL' } },
      check: { acceptJournal: ['prevId@0001'] },
    });
    const result = await project.dbctl(['check', '--format', 'json'], { DATABASE_URL: undefined });
    expect(result.code, result.stdout).toBe(0);
    expect(byId(result.json().checks, 'journal').ok).toBe(true);
  });

  it("names drizzle's default migrations table when it holds the rows and the configured one is empty", async () => {
    db = await testDatabase('check_table');
    project = await testProject(db.url, { migrationsTable: 'app_migrations' });
    await project.addMigration({ name: 'users', sql: ['CREATE TABLE "users" ("id" integer PRIMARY KEY)'] });
    await db.sql
      .unsafe(`create schema drizzle; create table drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint);
      insert into drizzle.__drizzle_migrations (hash, created_at) values ('x', 1);
      create table users (id integer primary key)`);
    const result = await project.dbctl(['check', '--env', 'development', '--format', 'json']);
    expect(result.code).toBe(1);
    const check = byId(result.json().checks, 'migrations-table');
    expect(check.ok).toBe(false);
    expect(check.message).toContain("drizzle's default drizzle.__drizzle_migrations holds 1 row");
    const status = await project.dbctl(['status']);
    expect(status.stdout + status.stderr).toContain('the configured migrations table drizzle.app_migrations is empty');
  });
});
