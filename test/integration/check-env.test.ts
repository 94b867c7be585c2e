/**
 * `dbctl check --env` runs its checks side by side and connects while the others run: a folder it
 * cannot read still gives the report (review skipped) and never a database error, reachable or
 * not, and the process ends; a database it cannot reach with a readable folder is exit 4 as before.
 */
import { describe, expect, it } from 'vitest';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { testProject, type TestProject } from '../support/project.js';

let project: TestProject | undefined;
let db: TestDatabase | undefined;

const UNREACHABLE = 'postgres://nobody:pw@127.0.0.1:1/none';
type Check = { id: string; ok: boolean; message: string };

/** A project with one migration whose SQL file is gone (the folder cannot be read). */
async function brokenFolder(url: string): Promise<TestProject> {
  const p = await testProject(url);
  const tag = await p.addMigration({ name: 'users', sql: ['CREATE TABLE "users" ("id" serial PRIMARY KEY)'] });
  await rm(path.join(p.out, `${tag}.sql`));
  return p;
}

describe('dbctl check --env', () => {
  it('reports an unreadable folder (review skipped) whether the database is reachable or not, and ends', async () => {
    db = await testDatabase('check_env');
    for (const url of [db.url, UNREACHABLE]) {
      project = await brokenFolder(url);
      const result = await project.dbctl(['check', '--env', 'development', '--format', 'json']);
      expect(result.code, result.stderr).toBe(1);
      const checks: Check[] = result.json().checks;
      expect(checks.map((c) => c.id)).toEqual(['schema', 'journal', 'review']);
      expect(checks[2]!.message).toContain('skipped');
      await project.cleanup();
      project = undefined;
    }
  });

  it('is exit 4 when the database cannot be reached and the folder is fine', async () => {
    project = await testProject(UNREACHABLE);
    await project.addMigration({ name: 'users', sql: ['CREATE TABLE "users" ("id" serial PRIMARY KEY)'] });
    await writeFile(path.join(project.dir, 'schema.ts'), 'export {};\n');
    const result = await project.dbctl(['check', '--env', 'development']);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
  });
});
