/**
 * The user's project as drizzle-kit sees it: `.env` (existing variables win, and a config's own
 * `import 'dotenv/config'` is seen by `env()`), tsconfig `paths` in the drizzle and dbctl configs,
 * and drizzle-kit 0.20's config keys named with their replacements.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createProject, type TestProject } from '../support/project.js';

let db: TestDatabase;
const projects: TestProject[] = [];

beforeAll(async () => {
  db = await createTestDatabase('setup');
});
afterAll(async () => {
  await Promise.all(projects.map((p) => p.cleanup()));
  await db.drop();
});

async function project(dbctlConfig?: object): Promise<TestProject> {
  const p = await createProject(db.url, dbctlConfig ? { dbctlConfig } : {});
  projects.push(p);
  await p.addMigration({ name: 'init', sql: ['CREATE TABLE "t" ("id" integer PRIMARY KEY)'] });
  return p;
}

/** The tags `status --json` reports pending. */
const pendingOf = (doc: { migrations: { tag: string; state: string }[] }) =>
  doc.migrations.filter((m) => m.state === 'pending').map((m) => m.tag);

const unreachable = 'postgres://nobody:pw@127.0.0.1:1/none';

describe('.env', () => {
  it('is read from the project directory when the variable is not set', async () => {
    const p = await project();
    await writeFile(path.join(p.dir, '.env'), `# the app's env\nDATABASE_URL="${db.url}"\n`);
    const result = await p.dbctl(['status', '--json'], { DATABASE_URL: undefined });
    expect(result.code, result.stderr).toBe(0);
    expect(pendingOf(result.json())).toEqual(['0000_init']);
  });

  it('never overrides a variable already set', async () => {
    const p = await project();
    await writeFile(path.join(p.dir, '.env'), `DATABASE_URL=${db.url}\n`);
    const result = await p.dbctl(['status'], { DATABASE_URL: unreachable });
    expect(result.code).toBe(4);
  });

  it("a config's own import 'dotenv/config' reaches env('NAME')", async () => {
    const p = await project();
    await writeFile(path.join(p.dir, 'app.env'), `APP_DB_URL=${db.url}\n`);
    await writeFile(
      path.join(p.dir, 'dbctl.config.ts'),
      `import { config } from 'dotenv';\nconfig({ path: 'app.env', quiet: true });\nimport { defineConfig, env } from 'dbctl';\nexport default defineConfig({ environments: { development: { url: env('APP_DB_URL') } } });\n`,
    );
    const result = await p.dbctl(['status', '--json', '--config', 'dbctl.config.ts'], { DATABASE_URL: undefined });
    expect(result.code, result.stderr).toBe(0);
  });
});

describe('tsconfig paths', () => {
  it('resolve in the drizzle config and the dbctl config as drizzle-kit resolves them', async () => {
    const p = await project();
    await writeFile(
      path.join(p.dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@app/*': ['./src/*'] } } }),
    );
    await mkdir(path.join(p.dir, 'src', 'server'), { recursive: true });
    await writeFile(
      path.join(p.dir, 'src', 'server', 'db.ts'),
      `export const dbUrl: string = process.env.DATABASE_URL!;\nexport const out = './drizzle';\n`,
    );
    await writeFile(
      path.join(p.dir, 'drizzle.config.ts'),
      `import { defineConfig } from 'drizzle-kit';\nimport { dbUrl, out } from '@app/server/db';\nexport default defineConfig({ dialect: 'postgresql', schema: './schema.ts', out, dbCredentials: { url: dbUrl } });\n`,
    );
    await writeFile(
      path.join(p.dir, 'dbctl.config.ts'),
      `import { defineConfig } from 'dbctl';\nimport { dbUrl } from '@app/server/db';\nexport default defineConfig({ environments: { development: { url: dbUrl } } });\n`,
    );
    for (let run = 0; run < 2; run++) {
      // the second run may load from the stored transform: the alias must still resolve
      const result = await p.dbctl(['status', '--json', '--config', 'dbctl.config.ts']);
      expect(result.code, result.stderr).toBe(0);
      expect(pendingOf(result.json())).toEqual(['0000_init']);
    }
  });
});

describe('a tsconfig whose extends does not resolve', () => {
  it('(a monorepo base not installed here) costs only its paths: a config that needs none loads, as for drizzle-kit', async () => {
    const p = await project();
    await writeFile(
      path.join(p.dir, 'tsconfig.json'),
      JSON.stringify({ extends: '@acme/tsconfig/internal-package.json', compilerOptions: { rootDir: './src' } }),
    );
    const result = await p.dbctl(['status', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(pendingOf(result.json())).toEqual(['0000_init']);
  });
});

describe('drizzle-kit 0.20 config keys', () => {
  it('are named with their replacements (exit 2)', async () => {
    const p = await project();
    await writeFile(
      path.join(p.dir, 'drizzle.config.ts'),
      `export default { driver: 'pg', schema: './schema.ts', out: './drizzle', dbCredentials: { connectionString: process.env.DATABASE_URL } };\n`,
    );
    const result = await p.dbctl(['review']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("driver: 'pg' → dialect: 'postgresql'");
    expect(result.stderr).toContain('dbCredentials.connectionString → dbCredentials.url');
  });
});
