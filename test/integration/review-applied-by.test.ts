/**
 * Issue 13 through the binary: `review.appliedBy` / `--applied-by` turn on the hazards dbctl's
 * apply engine removes, and machine formats keep stdout to themselves.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, type TestProject } from '../support/project.js';

let project: TestProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

const unreachable = 'postgres://nobody:pw@127.0.0.1:1/none';
const users = ['CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "email" text);'];
const alter = [
  'ALTER TABLE "users" ADD COLUMN "bio" text;',
  'CREATE INDEX CONCURRENTLY IF NOT EXISTS "users_email_idx" ON "users" ("email");',
];

describe('review.appliedBy', () => {
  it('defaults to dbctl: no timeout findings; --applied-by drizzle-kit reports them and CONCURRENTLY in the one transaction', async () => {
    project = await createProject(unreachable);
    await project.addMigration({ name: 'users', sql: users });
    await project.addMigration({ name: 'bio', sql: alter });
    const byDbctl = await project.dbctl(['review', '--format', 'json'], { DATABASE_URL: undefined });
    expect(byDbctl.code, byDbctl.stderr).toBe(0);
    const rules = (run: typeof byDbctl) =>
      run.json().migrations.flatMap((m: any) => m.statements.flatMap((s: any) => s.findings.map((f: any) => f.rule)));
    expect(rules(byDbctl)).not.toContain('require-lock-timeout');

    const byKit = await project.dbctl(['review', '--format', 'json', '--applied-by', 'drizzle-kit'], { DATABASE_URL: undefined });
    expect(byKit.code).toBe(1);
    expect(rules(byKit)).toEqual(expect.arrayContaining(['require-lock-timeout', 'ban-concurrent-index-creation-in-transaction']));

    const bad = await project.dbctl(['review', '--applied-by', 'flyway'], { DATABASE_URL: undefined });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--applied-by');
  });

  it('reads review.appliedBy from the config; the flag wins', async () => {
    project = await createProject(unreachable, {
      dbctlConfig: { environments: { development: { url: 'env:DATABASE_URL' } }, review: { appliedBy: 'drizzle-kit' } },
    });
    await project.addMigration({ name: 'users', sql: users });
    await project.addMigration({ name: 'bio', sql: alter });
    const fromConfig = await project.dbctl(['review', '--format', 'json'], { DATABASE_URL: undefined });
    expect(fromConfig.code).toBe(1);
    expect(JSON.stringify(fromConfig.json())).toContain('require-lock-timeout');
    const flag = await project.dbctl(['review', '--format', 'json', '--applied-by', 'dbctl'], { DATABASE_URL: undefined });
    expect(flag.code, flag.stderr).toBe(0);
  });

  it('rejects an unknown review.appliedBy (exit 2)', async () => {
    project = await createProject(unreachable, { dbctlConfig: { environments: {}, review: { appliedBy: 'liquibase' } } });
    await project.addMigration({ name: 'users', sql: users });
    const run = await project.dbctl(['review'], { DATABASE_URL: undefined });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('review.appliedBy');
  });
});

describe('machine formats keep stdout clean', () => {
  it('github: only workflow commands on stdout, the summary on stderr; json parses whole', async () => {
    project = await createProject(unreachable);
    await project.addMigration({ name: 'users', sql: users });
    await project.addMigration({ name: 'drop', sql: ['ALTER TABLE "users" DROP COLUMN "email";'] });
    const github = await project.dbctl(['review', '--format', 'github'], { DATABASE_URL: undefined });
    expect(github.code).toBe(1);
    const lines = github.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.startsWith('::'))).toBe(true);
    expect(github.stderr).toMatch(/dbctl review: 1 error/);
    const json = await project.dbctl(['review', '--format', 'json'], { DATABASE_URL: undefined });
    expect(() => JSON.parse(json.stdout)).not.toThrow();
    const junit = await project.dbctl(['review', '--format', 'junit'], { DATABASE_URL: undefined });
    expect(junit.stdout.trimStart().startsWith('<?xml')).toBe(true);
    expect(junit.stdout).not.toContain('dbctl review:');
  });
});

describe("rename-as-drop-and-add and drizzle's snapshots", () => {
  it('stays quiet when the snapshots show drizzle-kit asked and was answered "create"', async () => {
    const { writeFile } = await import('node:fs/promises');
    const path = await import('node:path');
    project = await createProject(unreachable);
    await project.addMigration({ name: 'users', sql: ['CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "name" text);'] });
    await project.addMigration({
      name: 'full_name',
      sql: ['ALTER TABLE "users" ADD COLUMN "full_name" text;', 'ALTER TABLE "users" DROP COLUMN "name";'],
    });
    const rules = async () => {
      const run = await project!.dbctl(['review', '--format', 'json'], { DATABASE_URL: undefined });
      return run.json().migrations.flatMap((m: any) => m.statements.flatMap((s: any) => s.findings.map((f: any) => f.rule))) as string[];
    };
    expect(await rules()).toContain('rename-as-drop-and-add'); // no snapshots: the question may never have been asked
    const snapshot = (columns: string[]) => ({
      version: '7',
      dialect: 'postgresql',
      tables: {
        'public.users': { name: 'users', schema: '', columns: Object.fromEntries(columns.map((c) => [c, { name: c, type: 'text' }])) },
      },
      _meta: { columns: {}, schemas: {}, tables: {} },
    });
    await writeFile(path.join(project.out, 'meta', '0000_snapshot.json'), JSON.stringify(snapshot(['id', 'name'])));
    await writeFile(path.join(project.out, 'meta', '0001_snapshot.json'), JSON.stringify(snapshot(['id', 'full_name'])));
    const after = await rules();
    expect(after).not.toContain('rename-as-drop-and-add');
    expect(after).toContain('ban-drop-column');
  });
});

describe('check --applied-by', () => {
  it('the review check reports the drizzle-kit hazards; json on stdout, the summary on stderr', async () => {
    project = await createProject(unreachable);
    await project.addMigration({ name: 'users', sql: users });
    await project.addMigration({ name: 'bio', sql: ['ALTER TABLE "users" ADD COLUMN "bio" text;'] });
    const byDbctl = await project.dbctl(['check', '--format', 'json'], { DATABASE_URL: undefined });
    const reviewCheck = (run: typeof byDbctl) => run.json().checks.find((c: { id: string }) => c.id === 'review');
    expect(reviewCheck(byDbctl).ok).toBe(true);
    const byKit = await project.dbctl(['check', '--format', 'json', '--applied-by', 'drizzle-kit'], { DATABASE_URL: undefined });
    expect(byKit.code).toBe(1);
    expect(reviewCheck(byKit).ok).toBe(false);
    expect(JSON.stringify(reviewCheck(byKit).details)).toContain('require-lock-timeout');
    expect(byKit.stderr).toMatch(/dbctl check: failed \(.*review.*\)/);
  });
});
