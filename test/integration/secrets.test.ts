/**
 * A database password never appears in anything dbctl prints or writes (issue 8): real roles whose
 * passwords hold `"`, `\`, `@`, `%`, `:`, `/`, spaces and unicode log in through status, migrate
 * (one migration failing with the password in its error), push, check --env, backup and a failed
 * login, in text and JSON; everything printed, the history table's rows, the backups folder and the
 * config caches are searched for the password in each form it may take.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUrl, createTestDatabase, type TestDatabase } from '../support/db.js';
import { createProject, type TestProject } from '../support/project.js';
import { repoRoot } from '../support/cli.js';

const PASSWORDS = [
  { role: 'dbctl_secret_a', password: 'Qu"o\\te@at%25:co/sl sp-üñï☃' },
  { role: 'dbctl_secret_b', password: 'p%zz@x:/ "\\ Ünï 42 \\"' },
];

/** Every form a password may take in text: raw, percent-encoded (both cases, partly), JSON-escaped. */
function forms(password: string): string[] {
  const json = JSON.stringify(password).slice(1, -1);
  return [
    password,
    encodeURIComponent(password),
    encodeURIComponent(password).toLowerCase(),
    json,
    JSON.stringify(json).slice(1, -1),
    partlyEncoded(password),
    // the distinctive middle of it, in case something cut it
    password.slice(2, -2),
  ];
}

/** Only the characters a url must encode, encoded: `"`, `\` and unicode stay raw. */
function partlyEncoded(password: string): string {
  return password.replace(/[@%:/#? ]/g, (ch) => encodeURIComponent(ch));
}

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(dir, name))
    .filter((file) => {
      try {
        return statSync(file).isFile();
      } catch {
        return false;
      }
    });
}

function expectNoSecret(text: string, password: string, where: string): void {
  for (const form of forms(password)) expect(text.includes(form), `${where} holds ${JSON.stringify(form)}:\n${text}`).toBe(false);
}

const started = Date.now();

for (const { role, password } of PASSWORDS) {
  describe(`password ${JSON.stringify(password)}`, () => {
    let db: TestDatabase;
    let project: TestProject;
    let url: string;
    const admin = new URL(adminUrl());
    const outputs: { what: string; text: string }[] = [];

    beforeAll(async () => {
      db = await createTestDatabase('secrets');
      const sql = postgres(adminUrl(), { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`drop role if exists ${role}`).catch(() => {});
        await sql.unsafe(`create role ${role} login createdb password '${password.replace(/'/g, "''")}'`);
        await sql.unsafe(`alter database "${db.name}" owner to ${role}`);
      } finally {
        await sql.end();
      }
      url = `postgres://${role}:${encodeURIComponent(password)}@${admin.host}/${db.name}`;
      project = await createProject(url);
      writeFileSync(
        path.join(project.dir, 'schema.ts'),
        `import { integer, pgTable, text } from 'drizzle-orm/pg-core';\nexport const items = pgTable('items', { id: integer('id').primaryKey(), name: text('name') });\n`,
      );
      await project.addMigration({
        name: 'items',
        sql: ['CREATE TABLE "items" (\n\t"id" integer PRIMARY KEY NOT NULL,\n\t"name" text\n);'],
      });
    }, 120_000);

    afterAll(async () => {
      await project?.cleanup();
      await db?.drop();
      const sql = postgres(adminUrl(), { max: 1, onnotice: () => {} });
      await sql.unsafe(`drop role if exists ${role}`).catch(() => {});
      await sql.end();
    });

    const run = async (what: string, args: string[], env: Record<string, string | undefined> = {}) => {
      const result = await project.dbctl(args, env);
      outputs.push({ what, text: `${result.stdout}\n${result.stderr}` });
      return result;
    };

    it('logs in for real and prints nothing of the password, in text or JSON', async () => {
      const partial = url.replace(encodeURIComponent(password), partlyEncoded(password));
      expect((await run('status', ['status'])).code).toBe(0);
      expect((await run('status --json', ['status', '--json'])).code).toBe(0);
      expect((await run('status partly encoded', ['status', '--json'], { DATABASE_URL: partial })).code).toBe(0);
      const applied = await run('migrate --json', ['migrate', '--json']);
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.json().applied).toHaveLength(1);
      expect((await run('backup', ['backup'])).code).toBe(0);
      expect((await run('backup --json', ['backup', '--json'], { DATABASE_URL: partial })).code).toBe(0);
      const push = await run('push --json', ['push', '--json']);
      expect([0, 3], push.stderr).toContain(push.code);
      await run('push', ['push']);
      const check = await run('check --env', ['check', '--env', 'development']);
      expect([0, 1], check.stderr).toContain(check.code);
      await run('check --env --format json', ['check', '--env', 'development', '--format', 'json']);
      await run('check --env --json', ['check', '--env', 'development', '--json']);
      // a migration failing with the password in its error message (and statement)
      await project.addMigration({ name: 'fails', sql: [`SELECT '${password.replace(/'/g, "''")}'::int;`] });
      const failed = await run('migrate failing --json', ['migrate', '--json']);
      expect(failed.code, failed.stderr).toBe(1);
      expect(failed.json().status).toBe('failed');
      expect(failed.stdout).toContain('***'); // the error quoted the password; --json scrubbed it
      const failedText = await run('migrate failing', ['migrate']);
      expect(failedText.code).toBe(1);
      await run('status after failure', ['status']);
      await run('status after failure --json', ['status', '--json']);
      await run('status --verbose', ['status', '--verbose']);
      // a login that fails, with the password in the url
      const wrong = url.replace(`${role}:`, `${role}x:`);
      const refused = await run('wrong user', ['status', '--json'], { DATABASE_URL: wrong });
      expect(refused.code).toBe(4);
      const viaFlag = await run('--url', ['status', '--url', url, '--json']);
      expect([0, 1]).toContain(viaFlag.code);
      // PGPASSWORD filling a url without one
      const noPassword = url.replace(`:${encodeURIComponent(password)}@`, '@');
      const viaEnv = await run('PGPASSWORD', ['status', '--json'], { DATABASE_URL: noPassword, PGPASSWORD: password });
      expect([0, 1]).toContain(viaEnv.code);
      // malformed: unencoded characters
      const raw = await run('unencoded', ['status', '--json'], { DATABASE_URL: `postgres://${role}:${password}@${admin.host}/${db.name}` });
      expect(raw.code).toBe(2);

      for (const { what, text } of outputs) expectNoSecret(text, password, what);
    }, 240_000);

    it('writes nothing of it: history rows, stored errors, backups, caches', async () => {
      const sql = postgres(adminUrl().replace(/\/[^/]*$/, `/${db.name}`), { max: 1, onnotice: () => {} });
      try {
        const rows = await sql<{ row: string }[]>`select row_to_json(h)::text as row from dbctl.migration_history h`;
        expect(rows.length).toBeGreaterThanOrEqual(2);
        const history = rows.map((r) => r.row).join('\n');
        expect(history).toContain('invalid input syntax for type integer');
        expect(history).toContain('***'); // the password was in the error, and was scrubbed
        expectNoSecret(history, password, 'dbctl.migration_history');
      } finally {
        await sql.end();
      }
      const written = [
        ...files(path.join(project.dir, '.dbctl')),
        ...files(path.join(repoRoot, 'node_modules', '.cache', 'dbctl')),
        ...files(path.join(repoRoot, 'node_modules', '.cache', 'jiti')),
        ...files(path.join(tmpdir(), 'jiti')).filter((file) => statSync(file).mtimeMs >= started - 1000),
      ];
      expect(written.some((file) => file.includes('.dbctl'))).toBe(true);
      for (const file of written) {
        let text: string;
        try {
          text = readFileSync(file).toString('latin1') + readFileSync(file, 'utf8');
        } catch {
          continue;
        }
        expectNoSecret(text, password, file);
      }
    });

    it('a TypeScript config with the url written literally: no cache holds it', async () => {
      rmSync(path.join(project.dir, 'dbctl.config.json'));
      writeFileSync(
        path.join(project.dir, 'dbctl.config.ts'),
        `export default { environments: { development: { url: ${JSON.stringify(url)} } } };\n`,
      );
      const result = await run('ts config status', ['status', '--json'], { DATABASE_URL: undefined });
      expect([0, 1], result.stderr).toContain(result.code);
      expect(result.json().env).toBe('development');
      expectNoSecret(`${result.stdout}${result.stderr}`, password, 'status with a literal url');
      for (const file of [
        ...files(path.join(repoRoot, 'node_modules', '.cache', 'dbctl')),
        ...files(path.join(repoRoot, 'node_modules', '.cache', 'jiti')),
        ...files(path.join(tmpdir(), 'jiti')).filter((f) => statSync(f).mtimeMs >= started - 1000),
      ]) {
        let text = '';
        try {
          text = readFileSync(file, 'utf8');
        } catch {
          continue;
        }
        expectNoSecret(text, password, file);
      }
    });
  });
}
