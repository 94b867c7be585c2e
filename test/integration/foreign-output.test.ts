/**
 * Standard output holds dbctl's own output only (`src/io/foreign-output.ts`). A project's config
 * runs in dbctl's process, and the common `dotenv.config()` in a `drizzle.config.ts` prints a banner
 * on stdout since dotenv 17: it broke every `--json` document and `--format json` report of
 * such a project. Whatever code other than dbctl writes now goes to stderr, through the redactor.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testDatabase } from '../support/db.js';
import { testProject, type TestProject } from '../support/project.js';

/** What the config prints besides dotenv's banner: a marker, and a url with a password in it. */
const MARKER = 'printed-by-the-config';
const PASSWORD = 'hunter2-in-the-config';

/** The project's drizzle config, made to write to stdout as real ones do. */
async function noisyConfig(project: TestProject): Promise<void> {
  const file = path.join(project.dir, 'drizzle.config.ts');
  const config = await readFile(file, 'utf8');
  await writeFile(
    file,
    `import * as dotenv from 'dotenv';
dotenv.config();
console.log('${MARKER}: postgres://app:${PASSWORD}@db.internal/app');
process.stdout.write(Buffer.from('${MARKER} as bytes\\n'));
${config}`,
  );
  // dotenv >= 17 prints a banner when `config()` loads a file ("◇ injected env (1) from .env // tip: …")
  await writeFile(path.join(project.dir, '.env'), 'UNUSED_BY_DBCTL=1\n');
}

describe('writes of a config to stdout', () => {
  it('go to stderr, redacted: --json documents and --format json reports stay one JSON document', async () => {
    const db = await testDatabase('foreign_out');
    const project = await testProject(db.url);
    await noisyConfig(project);
    await project.addMigration({ name: 'create_t', sql: ['CREATE TABLE "t" ("id" integer PRIMARY KEY)'] });

    const runs = [
      await project.dbctl(['status', '--json']),
      await project.dbctl(['review', '--all', '--format', 'json']),
      await project.dbctl(['migrate', '--json']),
      await project.dbctl(['status', '--json']),
    ];
    for (const run of runs) {
      expect(() => run.json(), `stdout is one JSON document:\n${run.stdout}`).not.toThrow();
      expect(run.stdout).not.toContain(MARKER);
      expect(run.stderr).toContain(`${MARKER}: postgres://app:***@db.internal/app`);
      expect(run.stderr).toContain(`${MARKER} as bytes`);
      expect(run.stderr).toMatch(/inject(ed|ing) env/);
      expect(`${run.stdout}${run.stderr}`).not.toContain(PASSWORD);
    }
    expect(runs.map((run) => run.code)).toEqual([0, 0, 0, 0]);
    expect(runs[3]!.json().migrations.map((m: { state: string }) => m.state)).toEqual(['applied']);
  });

  it('go to stderr in a human run too, where stdout is the report', async () => {
    const db = await testDatabase('foreign_out');
    const project = await testProject(db.url);
    await noisyConfig(project);
    await project.addMigration({ name: 'create_t', sql: ['CREATE TABLE "t" ("id" integer PRIMARY KEY)'] });
    const run = await project.dbctl(['status']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('0000_create_t');
    expect(run.stdout).not.toContain(MARKER);
    expect(run.stderr).toContain(MARKER);
    expect(`${run.stdout}${run.stderr}`).not.toContain(PASSWORD);
  });
});
