/**
 * `dbctl generate` at a terminal asks drizzle-kit's rename questions with a picker (driven here
 * through a real pseudo-terminal), writes the same files drizzle-kit writes for the same answers,
 * and prints the flags that repeat those answers in CI.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbctlBin } from '../support/cli.js';
import {
  CREATE,
  RENAME_FIRST,
  dbctlGenerate,
  expectSameFolder,
  makeProject,
  readFolder,
  runDrizzleKit,
  runInTerminal,
  tempRoot,
  useSchema,
} from '../fixtures/generate/support.js';

const root = tempRoot('terminal');
let kitProject: string;
let ourProject: string;

beforeAll(async () => {
  kitProject = makeProject(root.dir, 'kit');
  ourProject = makeProject(root.dir, 'dbctl');
  useSchema([kitProject, ourProject], 'amb1');
  expect((await runDrizzleKit(kitProject, ['generate', '--name', 'init'])).code).toBe(0);
  await dbctlGenerate(ourProject, { name: 'init' });
  useSchema([kitProject, ourProject], 'amb2');
});

afterAll(() => root.cleanup());

const answers = [
  { prompt: 'Is articles table created or renamed', keys: RENAME_FIRST },
  { prompt: 'Is total column in invoices table created or renamed', keys: CREATE },
  { prompt: 'Is full_name column in users table created or renamed', keys: RENAME_FIRST },
  { prompt: 'Is mail column in users table created or renamed', keys: RENAME_FIRST },
];

describe('generate at a terminal', () => {
  it('asks each rename question as drizzle-kit does, writes the same files, and prints the flags for CI', async () => {
    const kit = await runDrizzleKit(kitProject, ['generate', '--name', 'renames'], { answers });
    expect(kit.code, kit.output).toBe(0);
    const ours = await runInTerminal(dbctlBin, ourProject, ['generate', '--name', 'renames'], { answers });
    // exit 1: the review of the new migration has an error (billing.invoices.amount is dropped)
    expect(ours.code, ours.output).toBe(1);
    expect(ours.output).toContain('ban-drop-column');
    expectSameFolder(kitProject, ourProject);
    expect(ours.output).toContain(
      'to repeat these answers without a terminal (CI): dbctl generate --name renames --rename posts=articles --create billing.invoices.total --rename users.name=users.full_name --rename users.email=users.mail',
    );
    expect(readFolder(ourProject).sql.get('0001_renames.sql')).toContain('ALTER TABLE "posts" RENAME TO "articles";');
    expect(path.basename(ourProject)).toBe('dbctl');
  });
});
