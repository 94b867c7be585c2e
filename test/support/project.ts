/**
 * Temporary user projects for integration tests: a drizzle config, a dbctl config and a
 * migrations folder in drizzle's format, created under the repository's `.tmp/` so that
 * `drizzle-kit` and `drizzle-orm` resolve from the repository's node_modules.
 */
import { mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { onTestFinished } from 'vitest';
import { drizzleKitBin, repoRoot, runDbctl, runNode, type CliResult } from './cli.js';

/** A migration to write: its name (without the NNNN_ prefix) and SQL statements. */
export interface MigrationSpec {
  name: string;
  /** Statements, joined with drizzle's breakpoint; or the whole file text when a string. */
  sql: string[] | string;
  /** Journal `when`; default: increasing from a base. */
  when?: number;
}

/** A temporary project. */
export interface TestProject {
  dir: string;
  out: string;
  /** Appends a migration to the folder (journal entry + SQL file); returns its tag. */
  addMigration(spec: MigrationSpec): Promise<string>;
  /** Runs dbctl in the project with DATABASE_URL set to the project's database. */
  dbctl(args: string[], env?: Record<string, string | undefined>): Promise<CliResult>;
  /** Runs the real drizzle-kit in the project. */
  drizzleKit(args: string[]): Promise<CliResult>;
  journal(): Promise<{ entries: { idx: number; when: number; tag: string }[] }>;
  cleanup(): Promise<void>;
}

const BASE_WHEN = 1_760_000_000_000;

/** Creates a project whose development environment points at `url`. */
export async function createProject(
  url: string,
  options: { dbctlConfig?: object; migrationsTable?: string; migrationsSchema?: string } = {},
): Promise<TestProject> {
  const dir = path.join(repoRoot, '.tmp', `project-${randomUUID().slice(0, 8)}`);
  const out = path.join(dir, 'drizzle');
  await mkdir(path.join(out, 'meta'), { recursive: true });
  const migrations =
    options.migrationsTable || options.migrationsSchema
      ? `\n  migrations: { ${options.migrationsTable ? `table: '${options.migrationsTable}', ` : ''}${options.migrationsSchema ? `schema: '${options.migrationsSchema}'` : ''} },`
      : '';
  await writeFile(
    path.join(dir, 'drizzle.config.ts'),
    `import { defineConfig } from 'drizzle-kit';
export default defineConfig({
  dialect: 'postgresql',
  schema: './schema.ts',
  out: './drizzle',
  dbCredentials: { url: process.env.DATABASE_URL! },${migrations}
});
`,
  );
  await writeFile(path.join(dir, 'schema.ts'), `export {};\n`);
  await writeFile(
    path.join(dir, 'dbctl.config.json'),
    JSON.stringify(options.dbctlConfig ?? { environments: { development: { url: 'env:DATABASE_URL' } } }, null, 2),
  );
  const journalPath = path.join(out, 'meta', '_journal.json');
  const journal = {
    version: '7',
    dialect: 'postgresql',
    entries: [] as { idx: number; version: string; when: number; tag: string; breakpoints: boolean }[],
  };
  await writeFile(journalPath, JSON.stringify(journal, null, 2));
  const run = (bin: 'dbctl' | 'drizzle-kit', args: string[], env: Record<string, string | undefined> = {}) =>
    bin === 'dbctl'
      ? runDbctl(args, { cwd: dir, env: { DATABASE_URL: url, ...env } })
      : runNode(drizzleKitBin, args, { cwd: dir, env: { DATABASE_URL: url, ...env } });
  return {
    dir,
    out,
    async addMigration(spec) {
      const idx = journal.entries.length;
      const tag = `${String(idx).padStart(4, '0')}_${spec.name}`;
      const text = Array.isArray(spec.sql) ? spec.sql.join('\n--> statement-breakpoint\n') : spec.sql;
      await writeFile(path.join(out, `${tag}.sql`), text);
      journal.entries.push({ idx, version: '7', when: spec.when ?? BASE_WHEN + idx * 1000, tag, breakpoints: true });
      await writeFile(journalPath, JSON.stringify(journal, null, 2));
      return tag;
    },
    dbctl: (args, env) => run('dbctl', args, env),
    drizzleKit: (args) => run('drizzle-kit', args),
    journal: async () => JSON.parse(await readFile(journalPath, 'utf8')),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** `createProject`, removed when the test that made it finishes (call it inside a test). */
export async function testProject(url: string, options?: Parameters<typeof createProject>[1]): Promise<TestProject> {
  const project = await createProject(url, options);
  onTestFinished(() => project.cleanup());
  return project;
}
