/**
 * `migrate` opens its connection while it reads the folder (`connectAhead`, src/io/db.ts): a folder
 * problem found meanwhile is still reported as itself (exit 2), every time, with the connection
 * abandoned cleanly whatever stage its handshake had reached, and at once while `--wait-for-db`
 * is still retrying an unreachable server; nothing is written to the database.
 */
import { describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { testProject, type TestProject } from '../support/project.js';

let project: TestProject | undefined;
let db: TestDatabase | undefined;

describe('dbctl migrate connecting while it reads the folder', () => {
  it('reports a broken folder with exit 2 on every run, and leaves the database untouched', async () => {
    db = await testDatabase();
    project = await testProject(db.url);
    await project.addMigration({ name: 'users', sql: ['CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL);'] });
    await project.addMigration({ name: 'age', sql: ['ALTER TABLE "users" ADD COLUMN "age" integer;'] });
    await rm(`${project.out}/0000_users.sql`);
    for (let run = 0; run < 8; run++) {
      const result = await project.dbctl(['migrate']);
      expect([result.code, result.stderr]).toEqual([2, expect.stringContaining('0000_users')]);
      expect(result.stderr).not.toContain('CONNECTION_DESTROYED');
    }
    const tables =
      await db.sql`select table_schema, table_name from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema')`;
    expect(tables).toEqual([]);
  });

  it('reports a broken folder at once while --wait-for-db is still waiting for the server', async () => {
    project = await testProject('postgres://nobody:pw@127.0.0.1:1/none');
    await project.addMigration({ name: 'users', sql: ['CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL);'] });
    await rm(`${project.out}/0000_users.sql`);
    const started = Date.now();
    const result = await project.dbctl(['migrate', '--wait-for-db', '60s']);
    expect([result.code, result.stderr]).toEqual([2, expect.stringContaining('0000_users')]);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
