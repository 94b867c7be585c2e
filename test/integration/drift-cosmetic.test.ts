/**
 * An applied migration edited only in comments or white space (the documented `-- dbctl-ignore`
 * added afterwards) is `cosmetic`: status and migrate go on with a note, `check --env` passes; an
 * edit that changes a statement (even only a constant) stays `modified` and stops them. The applied
 * text is found in the project's git history by its hash, or, for a file applied from a checkout with
 * the other line endings (git's `autocrlf` on Windows), without git: the same file with CRLF or LF.
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { testProject, type TestProject } from '../support/project.js';

let project: TestProject | undefined;
let db: TestDatabase | undefined;

type Check = { id: string; ok: boolean; message: string; details?: string[] };
const byId = (checks: Check[], id: string) => checks.find((c) => c.id === id)!;

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=dbctl-test', '-c', 'user.email=test@dbctl.invalid', ...args], { cwd, stdio: 'ignore' });
}

describe('cosmetic edits of applied migrations', () => {
  it('comments and white space: cosmetic (status, migrate, check go on); a changed constant: modified', async () => {
    db = await testDatabase('cosmetic');
    project = await testProject(db.url);
    const tag = await project.addMigration({
      name: 'users',
      sql: ['CREATE TABLE "users" ("id" integer PRIMARY KEY, "name" text DEFAULT \'a\')', 'ALTER TABLE "users" ADD COLUMN "age" integer'],
    });
    git(project.dir, 'init', '-q');
    git(project.dir, 'add', '-A');
    git(project.dir, 'commit', '-q', '-m', 'first');
    expect((await project.dbctl(['migrate'])).code).toBe(0);

    const file = path.join(project.out, `${tag}.sql`);
    const original = await readFile(file, 'utf8');
    await writeFile(
      file,
      `-- dbctl-ignore ban-drop-column: documented afterwards\n${original.replace('ADD COLUMN "age" integer', 'ADD COLUMN   "age"\n    integer -- the age')}\n`,
    );
    const status = await project.dbctl(['status', '--json']);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.json().migrations[0].state).toBe('cosmetic');
    const text = await project.dbctl(['status']);
    expect(text.stdout + text.stderr).toContain('only in comments or white space');

    await project.addMigration({ name: 'posts', sql: ['CREATE TABLE "posts" ("id" integer PRIMARY KEY)'] });
    const migrate = await project.dbctl(['migrate']);
    expect(migrate.code, migrate.stdout + migrate.stderr).toBe(0);
    expect(migrate.stdout + migrate.stderr).toContain('cosmetic');

    const check = await project.dbctl(['check', '--env', 'development', '--format', 'json']);
    const applied = byId(check.json().checks, 'applied-unmodified');
    expect(applied.ok).toBe(true);
    expect(applied.message).toContain('1 changed since only in comments or white space');
    expect(byId(check.json().checks, 'drift').ok).toBe(true);

    // a real edit: the same shape, another constant
    await writeFile(file, original.replace("DEFAULT 'a'", "DEFAULT 'b'"));
    const modified = await project.dbctl(['status', '--json']);
    expect(modified.code).toBe(1);
    expect(modified.json().migrations[0].state).toBe('modified');
    expect((await project.dbctl(['migrate'])).code).toBe(1);
  });

  it('applied with CRLF line endings (drizzle-kit migrate from a Windows checkout), read with LF: cosmetic, without git', async () => {
    db = await testDatabase('cosmetic');
    project = await testProject(db.url);
    const sql = ['CREATE TABLE "users" ("id" integer PRIMARY KEY,\r\n  "name" text)', 'CREATE INDEX "users_name" ON "users" ("name")'];
    const tag = await project.addMigration({ name: 'users', sql: sql.join('\r\n--> statement-breakpoint\r\n') + '\r\n' });
    const kit = await project.drizzleKit(['migrate']);
    expect(kit.code, kit.stdout + kit.stderr).toBe(0);
    const file = path.join(project.out, `${tag}.sql`);
    await writeFile(file, (await readFile(file, 'utf8')).replace(/\r\n/g, '\n'));

    const status = await project.dbctl(['status', '--json']);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.json().migrations[0].state).toBe('cosmetic');
    await project.addMigration({
      name: 'posts',
      sql: ['CREATE TABLE "posts" ("id" integer PRIMARY KEY)', 'CREATE INDEX "posts_id" ON "posts" ("id")'],
    });
    const migrate = await project.dbctl(['migrate']);
    expect(migrate.code, migrate.stdout + migrate.stderr).toBe(0);

    // and the other way round: applied with LF, the file now with CRLF
    const posts = path.join(project.out, (await project.journal()).entries[1]!.tag + '.sql');
    await writeFile(posts, (await readFile(posts, 'utf8')).replace(/\n/g, '\r\n'));
    const after = await project.dbctl(['status', '--json']);
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(after.json().migrations.map((m: { state: string }) => m.state)).toEqual(['cosmetic', 'cosmetic']);
  });
});
