/**
 * Code dbctl runs but does not own, stopping the process (`src/io/exit-guard.ts`):
 * - a config that calls `process.exit(1)` while dbctl loads it (a variable it needs is missing) is a
 *   config error: exit 2 with dbctl's own line naming what the config printed and, under `--json`,
 *   the error document; before, the run ended with exit 1 and not a word from dbctl. The config
 *   runs once: its own message is printed once, not once per way dbctl tried to load it;
 * - drizzle-kit 0.31 rejecting the schema in code (a duplicated index name) exits the process after
 *   printing why: `check --json` still prints its document, `generate` exits 2 naming the reason.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testDatabase } from '../support/db.js';
import { testProject } from '../support/project.js';
import { status } from '../../src/index.js';

const MISSING = 'CONFIG_EXIT_TEST_URL is not set';

/** A drizzle config that exits when CONFIG_EXIT_TEST_URL is unset, as many real ones do. */
const EXITING_DRIZZLE_CONFIG = `import { defineConfig } from 'drizzle-kit';
if (!process.env.CONFIG_EXIT_TEST_URL) {
  console.error('${MISSING}');
  process.exit(1);
}
export default defineConfig({
  dialect: 'postgresql',
  schema: './schema.ts',
  out: './drizzle',
  dbCredentials: { url: process.env.CONFIG_EXIT_TEST_URL },
});
`;

/** How many lines of `text` are exactly `line` (the config's own output; dbctl's error line quotes it too). */
const count = (text: string, line: string) => text.split('\n').filter((it) => it === line).length;

describe('a config that calls process.exit while loading', () => {
  it('is a config error (exit 2, the JSON error document), and runs once', async () => {
    const db = await testDatabase('config_exit');
    const project = await testProject(db.url);
    await writeFile(path.join(project.dir, 'drizzle.config.ts'), EXITING_DRIZZLE_CONFIG);
    await project.addMigration({ name: 'create_t', sql: ['CREATE TABLE "t" ("id" integer PRIMARY KEY)'] });

    const json = await project.dbctl(['status', '--json']);
    expect(json.code).toBe(2);
    expect(json.json().error.code).toBe('DRIZZLE_CONFIG_INVALID');
    expect(json.json().error.message).toBe(
      `drizzle.config.ts could not be loaded: it called process.exit(1) while dbctl was loading it, after printing: ${MISSING}`,
    );
    expect(count(json.stderr, MISSING)).toBe(1);

    const text = await project.dbctl(['review', '--all']);
    expect(text.code).toBe(2);
    expect(text.stderr).toContain('error: drizzle.config.ts could not be loaded: it called process.exit(1)');
    expect(count(text.stderr, MISSING)).toBe(1);

    // loaded once with the variable set (its transform is stored), then from that stored transform
    const loaded = await project.dbctl(['status'], { CONFIG_EXIT_TEST_URL: db.url });
    expect(loaded.code).toBe(0);
    const again = await project.dbctl(['status', '--json']);
    expect(again.code).toBe(2);
    expect(again.json().error.code).toBe('DRIZZLE_CONFIG_INVALID');
    expect(count(again.stderr, MISSING)).toBe(1);
  });

  it('through the API: the call rejects with the config error, and the process goes on', async () => {
    const db = await testDatabase('config_exit');
    const project = await testProject(db.url);
    await writeFile(path.join(project.dir, 'drizzle.config.ts'), EXITING_DRIZZLE_CONFIG);
    const exit = process.exit;
    await expect(status({ cwd: project.dir, url: db.url })).rejects.toMatchObject({
      code: 'DRIZZLE_CONFIG_INVALID',
      exitCode: 2,
      // (what the config printed is not named here: vitest's own console takes console.error's lines)
      message: expect.stringContaining('drizzle.config.ts could not be loaded: it called process.exit(1) while dbctl was loading it'),
    });
    expect(process.exit).toBe(exit);
  });

  it('in dbctl.config.ts, or in the function it exports, is CONFIG_INVALID', async () => {
    const db = await testDatabase('config_exit');
    const project = await testProject(db.url);
    const config = path.join(project.dir, 'dbctl.config.ts');
    await writeFile(config, `console.error('${MISSING}');\nprocess.exit(3);\nexport default {};\n`);
    const top = await project.dbctl(['status', '--json']);
    expect(top.code).toBe(2);
    expect(top.json().error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(top.json().error.message).toContain('it called process.exit(3)');

    await writeFile(config, `export default () => { console.error('${MISSING}'); process.exit(4); };\n`);
    const exported = await project.dbctl(['status', '--json']);
    expect(exported.code).toBe(2);
    expect(exported.json().error.message).toContain('it called process.exit(4)');
    expect(count(exported.stderr, MISSING)).toBe(1);
  });
});

describe('drizzle-kit rejecting the schema in code (it prints why, then exits)', () => {
  it('fails the schema check of check --json, and generate with exit 2, naming its reason', async () => {
    const db = await testDatabase('kit_exit');
    const project = await testProject(db.url);
    await writeFile(
      path.join(project.dir, 'schema.ts'),
      `import { pgTable, integer, text, index } from 'drizzle-orm/pg-core';
export const a = pgTable('a', { id: integer('id').primaryKey(), name: text('name') }, (t) => [index('same_idx').on(t.name)]);
export const b = pgTable('b', { id: integer('id').primaryKey(), name: text('name') }, (t) => [index('same_idx').on(t.name)]);
`,
    );
    const reason = "We've found duplicated index name across public schema";
    const check = await project.dbctl(['check', '--json']);
    expect(check.code).toBe(1);
    const schema = check.json().checks.find((c: { id: string }) => c.id === 'schema');
    expect(schema.ok).toBe(false);
    expect(schema.message).toContain(`drizzle-kit rejects the schema in code: Warning ${reason}`);

    const generate = await project.dbctl(['generate']);
    expect(generate.code).toBe(2);
    expect(generate.stderr).toContain(`error: drizzle-kit rejects the schema in code: Warning ${reason}`);
    expect((await project.journal()).entries).toEqual([]);
  });
});
