/**
 * `dbctl generate` as a command: config loading, what it prints, the review of the new migration
 * and the exit code; the exit-2 error of an unanswered rename; and, once the CLI wires the command,
 * the same through the binary as a user runs it (non-interactive, CI set).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/ops/context.js';
import { runGenerate } from '../../src/commands/generate.js';
import { isDbctlError } from '../../src/errors.js';
import { createOutput } from '../../src/io/output.js';
import { sqlParserLoadCount } from '../../src/sql/parser.js';
import { runDbctl } from '../support/cli.js';
import { dbctlGenerate, makeProject, readFolder, tempRoot, useSchema } from '../fixtures/generate/support.js';

const root = tempRoot('command');
let project: string;

beforeAll(() => {
  project = makeProject(root.dir, 'app');
});
afterAll(() => root.cleanup());

function context(cwd: string, json = false): { ctx: CommandContext; stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  const out = createOutput(
    { json, color: false, verbose: false },
    {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      stdinIsTTY: false,
      ci: true,
      noColorEnv: true,
    },
  );
  const ctx: CommandContext = {
    cwd,
    globals: { env: undefined, envExplicit: false, url: undefined, config: undefined, json, yes: false, verbose: false },
    out,
    env: { CI: '1' },
  };
  return { ctx, stdout: () => stdout, stderr: () => stderr };
}

describe('runGenerate', () => {
  it('no schema change: "No schema changes, nothing to migrate", exit 0, and the SQL parser is never loaded', async () => {
    useSchema([project], 'v1');
    await dbctlGenerate(project, { name: 'init' }); // the library function: no review
    const again = context(project);
    expect(await runGenerate(again.ctx, {})).toBe(0);
    expect(again.stdout()).toContain('No schema changes, nothing to migrate');
    expect(sqlParserLoadCount()).toBe(0);
    expect(readFolder(project).files).toEqual(['0000_init.sql', 'meta/0000_snapshot.json', 'meta/_journal.json']);
  });

  it('a new migration: prints the files written and the review; new objects only: exit 0', async () => {
    // The first run above created everything from scratch: only new objects, no review errors.
    const fresh = makeProject(root.dir, 'fresh');
    useSchema([fresh], 'v1');
    const run = context(fresh);
    expect(await runGenerate(run.ctx, { name: 'init' })).toBe(0);
    expect(run.stdout()).toContain('✓ wrote drizzle/0000_init.sql');
    expect(run.stdout()).toContain('drizzle/meta/0000_snapshot.json');
  });

  it('a risky change (a dropped column): the review reports errors and the exit code is 1', async () => {
    useSchema([project], 'v2');
    const run = context(project);
    expect(await runGenerate(run.ctx, { name: 'bio' })).toBe(1);
    expect(run.stdout()).toContain('✓ wrote drizzle/0001_bio.sql');
    expect(run.stdout()).toContain('ban-drop-column');
    if (process.env.SHOW_REVIEW) console.log(run.stdout());
  });

  it('--json: one document with the migration and its review', async () => {
    useSchema([project], 'v3');
    const run = context(project, true);
    await runGenerate(run.ctx, { name: 'full_name', rename: ['users.name=users.full_name'] });
    const document = JSON.parse(run.stdout());
    expect(document.migration).toMatchObject({ tag: '0002_full_name', file: 'drizzle/0002_full_name.sql', custom: false });
    expect(document.renames).toEqual([{ kind: 'column', from: 'users.name', to: 'users.full_name' }]);
    expect(document.review.migrations[0].tag).toBe('0002_full_name');
    expect(run.stderr()).toContain('users.name › users.full_name');
  });

  it('an unanswered rename: AMBIGUOUS_RENAME (exit 2) with the flags; nothing written', async () => {
    useSchema([project], 'v4');
    const before = readFolder(project).files;
    const error = await runGenerate(context(project).ctx, {}).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(isDbctlError(error) && error.exitCode).toBe(2);
    expect(isDbctlError(error) && error.details).toContain('      --rename posts=articles   (renamed from posts)');
    expect(readFolder(project).files).toEqual(before);
  });
});

describe('dbctl generate through the binary', () => {
  it('exit 2 on an unanswered rename, the flags on stderr; then the answer writes the migration', async (test) => {
    const help = await runDbctl(['generate', '--help'], { cwd: project });
    if (help.code !== 0 || !help.stdout.includes('--rename')) test.skip(); // wired by src/cli.ts, built into dist/
    const ambiguous = await runDbctl(['generate'], { cwd: project });
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('--rename posts=articles');
    expect(ambiguous.stderr).toContain('--create articles');
    const answered = await runDbctl(['generate', '--name', 'articles', '--rename', 'posts=articles'], { cwd: project });
    expect([0, 1]).toContain(answered.code);
    expect(answered.stdout).toContain('0003_articles.sql');
    const none = await runDbctl(['generate'], { cwd: project });
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('No schema changes, nothing to migrate');
  });
});
