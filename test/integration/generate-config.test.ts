/**
 * The drizzle config settings generate honours, each against real `drizzle-kit generate` in a twin
 * project: `migrations.prefix` (timestamp, unix, supabase, none), `breakpoints: false`,
 * `casing: 'snake_case'`, and `schema` as several globs and as a directory (the order files are
 * read in decides the order of statements), plus the random `<adjective>_<hero>` name.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ADJECTIVES, HEROES } from '../../src/drizzle/generate/words.js';
import {
  dbctlGenerate,
  expectSameFolder,
  makeProject,
  readFolder,
  runDrizzleKit,
  tempRoot,
  useFiles,
  useSchema,
  type ProjectOptions,
} from '../fixtures/generate/support.js';

const root = tempRoot('config');
afterAll(() => root.cleanup());

let count = 0;
function twins(options: ProjectOptions): [string, string] {
  count += 1;
  return [makeProject(root.dir, `kit-${count}`, options), makeProject(root.dir, `dbctl-${count}`, options)];
}

/** Runs both tools on the current schema with `--name`. */
async function both(kit: string, ours: string, name: string): Promise<void> {
  const run = await runDrizzleKit(kit, ['generate', '--name', name]);
  expect(run.code, run.output).toBe(0);
  await dbctlGenerate(ours, { name });
}

describe('drizzle config settings, compared with drizzle-kit', () => {
  for (const prefix of ['timestamp', 'supabase', 'unix'] as const) {
    it(`migrations.prefix: ${prefix}`, async () => {
      const [kit, ours] = twins({ prefix });
      useSchema([kit, ours], 'v1');
      await both(kit, ours, 'first');
      // drizzle-kit names two migrations of one second alike and overwrites the first snapshot
      // (dbctl moves the second to the next second: test/unit/drizzle/naming.test.ts); the format
      // comparison needs drizzle-kit's second run in a later second
      await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
      useSchema([kit, ours], 'v2');
      await both(kit, ours, 'second');
      const pattern = prefix === 'unix' ? /\b\d{10}_/g : /\b\d{14}_/g;
      const ourFiles = readFolder(ours).files;
      expect(ourFiles.filter((file) => new RegExp(pattern.source).test(file))).toHaveLength(4);
      expectSameFolder(kit, ours, { timePrefixes: true });
      const journal = readFolder(ours).journal!;
      const tag = journal.entries[0]!.tag as string;
      const when = journal.entries[0]!.when as number;
      if (prefix === 'unix') expect(Number(tag.split('_')[0])).toBe(Math.floor(when / 1000));
      else expect(tag.slice(0, 14)).toBe(new Date(when).toISOString().replace(/\D/g, '').slice(0, 14));
    });
  }

  it("migrations.prefix: none (drizzle-kit's tag `_name` and a single meta/_snapshot.json)", async () => {
    const [kit, ours] = twins({ prefix: 'none' });
    useSchema([kit, ours], 'v1');
    await both(kit, ours, 'first');
    useSchema([kit, ours], 'v2');
    await both(kit, ours, 'second');
    expect(readFolder(ours).files).toEqual(['_first.sql', '_second.sql', 'meta/_journal.json', 'meta/_snapshot.json']);
    expectSameFolder(kit, ours);
  });

  it('breakpoints: false', async () => {
    const [kit, ours] = twins({ breakpoints: false });
    useSchema([kit, ours], 'v1');
    await both(kit, ours, 'first');
    expectSameFolder(kit, ours);
    const sql = readFolder(ours).sql.get('0000_first.sql')!;
    expect(sql).not.toContain('statement-breakpoint');
    expect(readFolder(ours).journal!.entries[0]!.breakpoints).toBe(false);
  });

  it("casing: 'snake_case'", async () => {
    const [kit, ours] = twins({ casing: 'snake_case' });
    useSchema([kit, ours], 'snake');
    await both(kit, ours, 'first');
    expectSameFolder(kit, ours);
    expect(readFolder(ours).sql.get('0000_first.sql')).toContain('"display_name" text NOT NULL');
  });

  it('schema: several files through globs, with re-exports (statement order follows the files)', async () => {
    const [kit, ours] = twins({ schema: ['./src/db/posts.ts', './src/db/*.ts'] });
    useFiles([kit, ours], 'multi/v1', 'src/db');
    await both(kit, ours, 'first');
    useFiles([kit, ours], 'multi/v2', 'src/db');
    await both(kit, ours, 'second');
    expectSameFolder(kit, ours);
    expect(readFolder(ours).sql.get('0001_second.sql')).toContain('CREATE TABLE "comments"');
  });

  it('schema: a directory', async () => {
    const [kit, ours] = twins({ schema: './src/db' });
    useFiles([kit, ours], 'multi/v2', 'src/db');
    await both(kit, ours, 'first');
    expectSameFolder(kit, ours);
  });

  it("a random name without --name: <index>_<adjective>_<hero> from drizzle-kit's words", async () => {
    const [, ours] = twins({});
    useSchema([ours], 'v1');
    const result = await dbctlGenerate(ours);
    const tag = result.migration!.tag;
    const match = /^0000_(.+)$/.exec(tag)!;
    const suffix = match[1]!;
    const adjective = ADJECTIVES.find((word) => suffix.startsWith(`${word}_`) && HEROES.includes(suffix.slice(word.length + 1)));
    expect(adjective, tag).toBeDefined();
  });
});
