/**
 * `dbctl review` through the binary: selection (newest, tags, --all, --since, --env pending),
 * formats, exit codes, and live size estimates with --env.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { testProject, type TestProject } from '../support/project.js';

let project: TestProject | undefined;
let db: TestDatabase | undefined;

const createUsers = ['CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text NOT NULL, "age" integer);'];

async function projectWithoutDatabase(): Promise<TestProject> {
  // an unreachable url proves review never connects without --env
  return await testProject('postgres://nobody:pw@127.0.0.1:1/none');
}

describe('dbctl review', () => {
  it('reviews the newest migration by default, without a database, and exits 1 on errors', async () => {
    project = await projectWithoutDatabase();
    await project.addMigration({ name: 'users', sql: createUsers });
    const clean = await project.dbctl(['review'], { DATABASE_URL: undefined });
    expect(clean.code, clean.stderr).toBe(0);

    await project.addMigration({ name: 'drop_email', sql: ['ALTER TABLE "users" DROP COLUMN "email";'] });
    const run = await project.dbctl(['review', '--format', 'json'], { DATABASE_URL: undefined });
    expect(run.code).toBe(1);
    const report = run.json();
    expect(report.migrations.map((m: { tag: string }) => m.tag)).toEqual(['0001_drop_email']);
    expect(report.migrations[0].file).toBe('drizzle/0001_drop_email.sql');
    const statement = report.migrations[0].statements[0];
    expect(statement).toMatchObject({ index: 0, line: 1, class: 'destructive' });
    expect(statement.findings).toContainEqual(expect.objectContaining({ rule: 'ban-drop-column', severity: 'error' }));
    expect(report.summary.errors).toBeGreaterThan(0);

    const text = await project.dbctl(['review'], { DATABASE_URL: undefined });
    expect(text.stdout).toContain('ban-drop-column');
    expect(text.stdout).toContain('0001_drop_email');
  });

  it('selects by tag, --all, and --since a git ref; other formats are well formed', async () => {
    project = await projectWithoutDatabase();
    await project.addMigration({ name: 'users', sql: createUsers });
    await project.addMigration({ name: 'index', sql: ['CREATE INDEX "users_email_idx" ON "users" ("email");'] });
    const git = (...args: string[]) => execFileSync('git', args, { cwd: project!.dir, stdio: 'pipe' });
    git('init', '-q');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '.');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'base');
    await project.addMigration({ name: 'age_type', sql: ['ALTER TABLE "users" ALTER COLUMN "age" SET DATA TYPE bigint;'] });

    const byTag = await project.dbctl(['review', '0001', '--format', 'json']);
    expect(byTag.json().migrations.map((m: { tag: string }) => m.tag)).toEqual(['0001_index']);
    expect(byTag.json().migrations[0].statements[0].findings.map((f: { rule: string }) => f.rule)).toContain(
      'require-concurrent-index-creation',
    );
    const all = await project.dbctl(['review', '--all', '--format', 'json']);
    expect(all.json().migrations).toHaveLength(3);
    const since = await project.dbctl(['review', '--since', 'HEAD', '--format', 'json']);
    expect(since.json().migrations.map((m: { tag: string }) => m.tag)).toEqual(['0002_age_type']);
    expect((await project.dbctl(['review', '--since', 'no-such-ref'])).code).toBe(2);
    expect((await project.dbctl(['review', '0009'])).code).toBe(2);
    expect((await project.dbctl(['review', '--format', 'xml'])).code).toBe(2);

    const github = await project.dbctl(['review', '--all', '--format', 'github']);
    expect(github.stdout).toMatch(/^::error file=drizzle\/0001_index\.sql,line=1/m);
    const junit = await project.dbctl(['review', '--all', '--format', 'junit']);
    expect(junit.stdout).toMatch(/^<\?xml/);
    expect(junit.stdout).toContain('<testsuite');
    const markdown = await project.dbctl(['review', '--all', '--format', 'markdown']);
    expect(markdown.stdout).toContain('|');
  });

  it('with --env reviews what is pending there and shows table size estimates', async () => {
    db = await testDatabase('review');
    project = await testProject(db.url);
    await project.addMigration({ name: 'users', sql: createUsers });
    expect((await project.dbctl(['migrate'])).code).toBe(0);
    await db.sql`insert into users (email, age) select 'u' || g || '@x', g from generate_series(1, 20000) g`;
    await db.sql`analyze users`;
    await project.addMigration({ name: 'age_type', sql: ['ALTER TABLE "users" ALTER COLUMN "age" SET DATA TYPE text;'] });
    const run = await project.dbctl(['review', '--env', 'development', '--format', 'json']);
    expect(run.code).toBe(1);
    const report = run.json();
    expect(report.migrations.map((m: { tag: string }) => m.tag)).toEqual(['0001_age_type']);
    const finding = report.migrations[0].statements[0].findings.find((f: { rule: string }) => f.rule === 'changing-column-type');
    expect(finding.severity).toBe('error');
    expect(JSON.stringify(finding)).toMatch(/20[,.\s]?000|20k/);
    // review never writes: no dbctl history table appeared
    const [t] = await db.sql`select to_regclass('dbctl.migration_history') as t`;
    expect(t!.t).not.toBeNull(); // created by the migrate above, not by review
  });

  it('reports a syntax error as a finding with its line, and handles empty and comment-only files', async () => {
    project = await projectWithoutDatabase();
    await project.addMigration({ name: 'empty', sql: '' });
    await project.addMigration({ name: 'comments', sql: '-- nothing here\n/* still nothing */\n' });
    await project.addMigration({ name: 'broken', sql: ['CREATE TABLE "a" (id int);', 'ALTER TABLE "a"\n  ADD COLUMN;'] });
    const run = await project.dbctl(['review', '--all', '--format', 'json']);
    expect(run.code).toBe(1);
    const broken = run.json().migrations.find((m: { tag: string }) => m.tag === '0002_broken');
    const finding = broken.statements
      .flatMap((s: { findings: unknown[] }) => s.findings)
      .find((f: { rule: string }) => f.rule === 'syntax-error');
    expect(finding).toBeDefined();
    expect(run.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
