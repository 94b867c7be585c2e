/**
 * The backup `dbctl migrate` takes, end to end through the binary, on a protected and an
 * unprotected environment: a FORCE ROW LEVEL SECURITY table whose rows the migrating role cannot
 * see fails the backup (nothing applied, rows unchanged) instead of "0 rows (verified)"; a
 * `DROP TYPE ... CASCADE` migration backs up the columns it takes, and `dbctl restore` brings them
 * back identical.
 */
import { afterEach, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { adminUrl, createTestDatabase, type TestDatabase } from '../support/db.js';
import { createProject, type TestProject } from '../support/project.js';

let project: TestProject | undefined;
let db: TestDatabase | undefined;
let role: string | undefined;
afterEach(async () => {
  await project?.cleanup();
  await db?.drop();
  if (role) {
    const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`drop role if exists ${role}`);
    } finally {
      await admin.end();
    }
  }
  project = undefined;
  db = undefined;
  role = undefined;
});

const environments = {
  development: { url: 'env:DATABASE_URL' },
  production: { url: 'env:DATABASE_URL', protected: true },
};
const flags = { development: [], production: ['--env', 'production', '--allow-destructive'] } as const;

async function md5(sql: postgres.Sql, relation: string): Promise<string> {
  const [row] = await sql.unsafe(`select md5(string_agg(t::text, ',' order by id)) as h, count(*)::int as n from ${relation} t`);
  return `${row!.n}:${row!.h}`;
}

for (const env of ['development', 'production'] as const) {
  describe(`migrate's backup (${env})`, () => {
    it('fails the migration when row-level security would hide rows from the backup, naming the policy; nothing is applied', async () => {
      db = await createTestDatabase('bkmigrate');
      role = `app_owner_${process.pid}`;
      await db.sql.unsafe(
        `create role ${role} login password 'pw-${role}'; grant create on database "${db.name}" to ${role}; grant create on schema public to ${role};`,
      );
      const url = new URL(db.url);
      url.username = role;
      url.password = `pw-${role}`;
      project = await createProject(url.toString(), { dbctlConfig: { environments } });
      await project.addMigration({ name: 'secrets', sql: ['CREATE TABLE "secrets" ("id" integer PRIMARY KEY, "value" text);'] });
      expect((await project.dbctl(['migrate', ...(env === 'production' ? ['--env', 'production'] : [])])).code).toBe(0);
      await db.sql.unsafe(`
        insert into secrets select g, 'secret ' || g from generate_series(1, 1000) g;
        alter table secrets enable row level security;
        alter table secrets force row level security;
        create policy tenant_only on secrets using (value = current_setting('app.tenant', true));
      `);
      const before = await md5(db.sql, 'secrets');
      await project.addMigration({ name: 'drop_secrets', sql: ['DROP TABLE "secrets";'] });
      const run = await project.dbctl(['migrate', ...flags[env], '--json']);
      expect(run.code).toBe(1);
      expect(run.json()).toMatchObject({ status: 'failed', applied: [] });
      expect(run.stderr).toContain('row-level security hides rows of public.secrets');
      expect(run.stderr).toContain('tenant_only');
      expect(run.stderr).not.toContain('(verified)');
      expect(await md5(db.sql, 'secrets')).toBe(before);
    });

    it('backs up the columns DROP TYPE ... CASCADE takes, and restore brings them back identical', async () => {
      db = await createTestDatabase('bkmigrate');
      project = await createProject(db.url, { dbctlConfig: { environments } });
      await project.addMigration({
        name: 'people',
        sql: [
          `CREATE TYPE "mood" AS ENUM ('sad', 'ok', 'happy');`,
          'CREATE TABLE "people" ("id" integer PRIMARY KEY, "name" text, "feeling" "mood");',
        ],
      });
      expect((await project.dbctl(['migrate', ...(env === 'production' ? ['--env', 'production'] : [])])).code).toBe(0);
      await db.sql.unsafe(
        `insert into people select g, 'p' || g, (array['sad','ok','happy'])[1 + g % 3]::mood from generate_series(1, 1000) g`,
      );
      const before = await md5(db.sql, '(select id, name, feeling from people)');
      await project.addMigration({ name: 'drop_mood', sql: ['DROP TYPE "mood" CASCADE;'] });
      const run = await project.dbctl(['migrate', ...flags[env], '--json']);
      expect(run.code, run.stderr).toBe(0);
      const id = run.json().applied[0].backup as string;
      expect(id).toEqual(expect.any(String));
      expect(run.stderr).toMatch(/1 object\(s\), 1,000 rows/);

      const restored = await project.dbctl(['restore', id, ...(env === 'production' ? ['--env', 'production', '--allow-restore'] : [])]);
      expect(restored.code, restored.stderr).toBe(0);
      expect(await md5(db.sql, '(select id, name, feeling from people)')).toBe(before);
    });
  });
}
