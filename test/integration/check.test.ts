/**
 * `dbctl check` as CI runs it: each check id failing and passing, without and with `--env`.
 */
import { describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { testProject, type TestProject } from '../support/project.js';

let project: TestProject | undefined;
let db: TestDatabase | undefined;

const schemaV1 = `import { pgTable, serial, text, integer } from 'drizzle-orm/pg-core';
export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  email: text('email').notNull(),
});
`;
const schemaV2 = schemaV1.replace("email: text('email').notNull(),", "email: text('email').notNull(),\n  age: integer('age'),");

type Check = { id: string; ok: boolean; message: string; details?: string[] };
const byId = (checks: Check[], id: string) => checks.find((c) => c.id === id)!;

async function generatedProject(url: string): Promise<TestProject> {
  const p = await testProject(url);
  await writeFile(path.join(p.dir, 'schema.ts'), schemaV1);
  const generated = await p.dbctl(['generate', '--name', 'users']);
  expect(generated.code, generated.stderr + generated.stdout).toBe(0);
  return p;
}

describe('dbctl check', () => {
  it('passes on a consistent project without a database, and fails on a forgotten generate', async () => {
    project = await generatedProject('postgres://nobody:pw@127.0.0.1:1/none');
    const pass = await project.dbctl(['check', '--format', 'json'], { DATABASE_URL: undefined });
    expect(pass.code, pass.stdout + pass.stderr).toBe(0);
    const report = pass.json();
    expect(report.ok).toBe(true);
    expect(report.checks.map((c: Check) => c.id)).toEqual(['schema', 'journal', 'review']);

    await writeFile(path.join(project.dir, 'schema.ts'), schemaV2);
    const fail = await project.dbctl(['check', '--format', 'json'], { DATABASE_URL: undefined });
    expect(fail.code).toBe(1);
    const schema = byId(fail.json().checks, 'schema');
    expect(schema.ok).toBe(false);
    expect(schema.message).toContain('dbctl generate');
    expect(schema.details!.join('\n')).toContain('age');
  });

  it('fails the review check on a risky newest migration, and names both sides of a branch collision', async () => {
    project = await generatedProject('postgres://nobody:pw@127.0.0.1:1/none');
    await writeFile(
      path.join(project.dir, 'schema.ts'),
      schemaV1.replace("email: text('email').notNull(),", "email: text('email').notNull(),\n  nickname: text('nickname').notNull(),"),
    );
    expect((await project.dbctl(['generate', '--name', 'nickname'])).code).toBe(1);
    const risky = await project.dbctl(['check', '--format', 'json']);
    expect(risky.code).toBe(1);
    expect(byId(risky.json().checks, 'review')).toMatchObject({ ok: false });
    expect(byId(risky.json().checks, 'review').details!.join('\n')).toContain('adding-required-field');

    // a second branch generated its own 0001 from the same snapshot; git merged both journal entries
    const journalPath = path.join(project.out, 'meta', '_journal.json');
    const journal = JSON.parse(await readFile(journalPath, 'utf8'));
    const theirs = { ...journal.entries[1], tag: '0001_their_branch', when: journal.entries[1].when + 5 };
    journal.entries.push(theirs);
    await writeFile(journalPath, JSON.stringify(journal, null, 2));
    await writeFile(path.join(project.out, '0001_their_branch.sql'), 'CREATE TABLE "theirs" (id int);');
    const collision = await project.dbctl(['check', '--format', 'json']);
    expect(collision.code).toBe(1);
    const journalCheck = byId(collision.json().checks, 'journal');
    expect(journalCheck.ok).toBe(false);
    expect(journalCheck.details!.join('\n')).toMatch(/0001_nickname and 0001_their_branch share idx 1/);
    expect(journalCheck.details!.join('\n')).toContain('dbctl generate');
  });

  it('with --env: passes when migrated, then catches modified, unknown and drifted databases', async () => {
    db = await testDatabase('check');
    project = await generatedProject(db.url);
    expect((await project.dbctl(['migrate'])).code).toBe(0);
    const pass = await project.dbctl(['check', '--env', 'development', '--format', 'json']);
    expect(pass.code, pass.stdout).toBe(0);
    expect(pass.json().checks.map((c: Check) => c.id)).toEqual([
      'schema',
      'journal',
      'review',
      'applied-unmodified',
      'no-unknown-migrations',
      'no-failed-migrations',
      'pending',
      'drift',
      'schema-vs-sql',
    ]);

    await db.sql.unsafe('ALTER TABLE users ADD COLUMN "by_hand" text');
    const drift = await project.dbctl(['check', '--env', 'development', '--format', 'json']);
    expect(drift.code).toBe(1);
    expect(byId(drift.json().checks, 'drift')).toMatchObject({ ok: false });
    expect(byId(drift.json().checks, 'drift').message).toContain('dbctl fix');
    await db.sql.unsafe('ALTER TABLE users DROP COLUMN "by_hand"');

    const [tag] = (await project.journal()).entries.map((e) => e.tag);
    await writeFile(path.join(project.out, `${tag}.sql`), `${await readFile(path.join(project.out, `${tag}.sql`), 'utf8')}\n-- edited`);
    await db.sql`insert into drizzle.__drizzle_migrations (hash, created_at) values ('feed', 7)`;
    const broken = await project.dbctl(['check', '--env', 'development', '--format', 'json']);
    expect(broken.code).toBe(1);
    expect(byId(broken.json().checks, 'applied-unmodified').ok).toBe(false);
    expect(byId(broken.json().checks, 'no-unknown-migrations').ok).toBe(false);

    for (const format of ['text', 'junit', 'github', 'markdown']) {
      const out = await project.dbctl(['check', '--env', 'development', '--format', format]);
      expect(out.code, format).toBe(1);
      expect(out.stdout.length, format).toBeGreaterThan(0);
    }
  });
});
