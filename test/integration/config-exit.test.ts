/**
 * A config that stops the process while dbctl loads it (`process.exit(1)` when a variable it needs
 * is missing) is a config error: exit 2 with dbctl's own line and, under `--json`, the error
 * document; before, the run ended with exit 1 and not a word from dbctl. The config runs once: its
 * own message is printed once, not once per way dbctl tried to load it.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testDatabase } from '../support/db.js';
import { testProject } from '../support/project.js';

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

const count = (text: string, part: string) => text.split(part).length - 1;

describe('a config that calls process.exit while loading', () => {
  it('is a config error (exit 2, the JSON error document), and runs once', async () => {
    const db = await testDatabase('config_exit');
    const project = await testProject(db.url);
    await writeFile(path.join(project.dir, 'drizzle.config.ts'), EXITING_DRIZZLE_CONFIG);
    await project.addMigration({ name: 'create_t', sql: ['CREATE TABLE "t" ("id" integer PRIMARY KEY)'] });

    const json = await project.dbctl(['status', '--json']);
    expect(json.code).toBe(2);
    expect(json.json().error.code).toBe('DRIZZLE_CONFIG_INVALID');
    expect(json.json().error.message).toContain('drizzle.config.ts could not be loaded: it called process.exit(1)');
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
