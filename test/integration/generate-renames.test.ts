/**
 * Rename questions without a TTY: dbctl never guesses and never exits 0 without writing. Every
 * question drizzle-kit would ask is listed with the exact flags that answer it; answers that match
 * no question are usage errors; with every answer given, the result equals drizzle-kit's for the same
 * answers typed at its prompts. And drizzle-kit itself, without a TTY, is shown to do nothing and
 * exit 0 (the behaviour dbctl exists to replace).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDbctlError, type DbctlError } from '../../src/errors.js';
import {
  RENAME_FIRST,
  dbctlGenerate,
  expectSameFolder,
  makeProject,
  readFolder,
  runDrizzleKit,
  tempRoot,
  useSchema,
} from '../fixtures/generate/support.js';

const root = tempRoot('renames');
let kitProject: string;
let ourProject: string;

beforeAll(async () => {
  kitProject = makeProject(root.dir, 'kit');
  ourProject = makeProject(root.dir, 'dbctl');
  useSchema([kitProject, ourProject], 'amb1');
  expect((await runDrizzleKit(kitProject, ['generate', '--name', 'init'])).code).toBe(0);
  await dbctlGenerate(ourProject, { name: 'init' });
  expectSameFolder(kitProject, ourProject);
  useSchema([kitProject, ourProject], 'amb2');
});

afterAll(() => root.cleanup());

async function failure(run: Promise<unknown>): Promise<DbctlError> {
  const error = await run.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isDbctlError(error)) throw new Error(`expected a DbctlError, got ${String(error)}`);
  return error;
}

describe('ambiguous renames', () => {
  it('drizzle-kit without a TTY: prints an error, writes nothing, exits 0', async () => {
    const before = readFolder(kitProject).files;
    const run = await runDrizzleKit(kitProject, ['generate']);
    expect(run.output).toContain('Interactive prompts require a TTY terminal');
    expect(run.code).toBe(0);
    expect(readFolder(kitProject).files).toEqual(before);
  });

  it('without answers: AMBIGUOUS_RENAME (exit 2) listing every question with the flags that answer it; nothing written', async () => {
    const before = readFolder(ourProject).files;
    const error = await failure(dbctlGenerate(ourProject));
    expect(error.code).toBe('AMBIGUOUS_RENAME');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/^4 ambiguous renames/);
    const text = error.details.join('\n');
    // The table question, then the column questions of each table, in drizzle-kit's order.
    expect(error.details).toEqual([
      '  table articles is new, or renamed from table posts:',
      '      --rename posts=articles   (renamed from posts)',
      '      --create articles   (new table; posts is dropped)',
      '  column billing.invoices.total is new, or renamed from column billing.invoices.amount:',
      '      --rename billing.invoices.amount=billing.invoices.total   (renamed from billing.invoices.amount)',
      '      --create billing.invoices.total   (new column; billing.invoices.amount is dropped)',
      '  column users.full_name is new, or renamed from column users.name or column users.email:',
      '      --rename users.name=users.full_name   (renamed from users.name)',
      '      --rename users.email=users.full_name   (renamed from users.email)',
      '      --create users.full_name   (new column; users.name, users.email are dropped)',
      '  column users.mail is new, or renamed from column users.name or column users.email:',
      '      --rename users.name=users.mail   (renamed from users.name)',
      '      --rename users.email=users.mail   (renamed from users.email)',
      '      --create users.mail   (new column; users.name, users.email are dropped)',
    ]);
    expect(text).not.toContain('matched no question');
    expect(error.hint).toContain('--rename FROM=TO');
    expect(error.hint).toContain('--create NAME');
    expect(readFolder(ourProject).files).toEqual(before);
  });

  it('partial answers: only the questions left are listed; an answer claimed by a later column is not offered again', async () => {
    const error = await failure(dbctlGenerate(ourProject, { rename: ['posts=articles', 'users.email=users.mail'] }));
    expect(error.code).toBe('AMBIGUOUS_RENAME');
    expect(error.message).toMatch(/^2 ambiguous renames/);
    expect(error.details).toEqual([
      '  column billing.invoices.total is new, or renamed from column billing.invoices.amount:',
      '      --rename billing.invoices.amount=billing.invoices.total   (renamed from billing.invoices.amount)',
      '      --create billing.invoices.total   (new column; billing.invoices.amount is dropped)',
      '  column users.full_name is new, or renamed from column users.name:',
      '      --rename users.name=users.full_name   (renamed from users.name)',
      '      --create users.full_name   (new column; users.name is dropped)',
    ]);
  });

  it('an answer that matches no question is a usage error (exit 2), listing the questions', async () => {
    const error = await failure(
      dbctlGenerate(ourProject, {
        rename: [
          'posts=articles',
          'users.name=users.full_name',
          'users.email=users.mail',
          'billing.invoices.amount=billing.invoices.total',
          'users.nmae=users.x',
        ],
      }),
    );
    expect(error.code).toBe('USAGE');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('--rename users.nmae=users.x');
    expect(error.details).toContain('  column users.full_name: new, or renamed from users.name / users.email?');
  });

  it('a malformed --rename is a usage error', async () => {
    expect((await failure(dbctlGenerate(ourProject, { rename: ['users.name'] }))).code).toBe('USAGE');
    expect((await failure(dbctlGenerate(ourProject, { rename: ['=users.name'] }))).code).toBe('USAGE');
    expect((await failure(dbctlGenerate(ourProject, { custom: true, rename: ['a=b'] }))).code).toBe('USAGE');
  });

  it('every question answered: the same files as drizzle-kit with the same answers at its prompts (a bare new name too)', async () => {
    const kit = await runDrizzleKit(kitProject, ['generate', '--name', 'renames'], {
      answers: [
        { prompt: 'Is articles table created or renamed', keys: RENAME_FIRST },
        { prompt: 'Is total column in invoices table created or renamed', keys: '\r' },
        { prompt: 'Is full_name column in users table created or renamed', keys: RENAME_FIRST },
        { prompt: 'Is mail column in users table created or renamed', keys: RENAME_FIRST },
      ],
    });
    expect(kit.code, kit.output).toBe(0);
    const ours = await dbctlGenerate(ourProject, {
      name: 'renames',
      // a column's new name alone answers for the same table (users.email=mail: users.mail)
      rename: ['posts=articles', 'users.name=users.full_name', 'users.email=mail'],
      create: ['billing.invoices.total'],
    });
    expect(ours.renames).toEqual([
      { kind: 'table', from: 'posts', to: 'articles' },
      { kind: 'column', from: 'users.name', to: 'users.full_name' },
      { kind: 'column', from: 'users.email', to: 'users.mail' },
    ]);
    expectSameFolder(kitProject, ourProject);
    const sql = readFolder(ourProject).sql.get('0001_renames.sql')!;
    expect(sql).toContain('ALTER TABLE "posts" RENAME TO "articles";');
    expect(sql).toContain('ALTER TABLE "billing"."invoices" DROP COLUMN "amount";');
    expect(sql).toContain('ALTER TABLE "billing"."invoices" ADD COLUMN "total" integer;');
  });
});

describe('other rename questions drizzle-kit asks', () => {
  it('a table moved to another schema (--rename billing.invoices=archive.invoices) and an enum rename', async () => {
    const kit = makeProject(root.dir, 'kit-moves');
    const ours = makeProject(root.dir, 'dbctl-moves');
    useSchema([kit, ours], 'amb1');
    expect((await runDrizzleKit(kit, ['generate', '--name', 'init'])).code).toBe(0);
    await dbctlGenerate(ours, { name: 'init' });
    useSchema([kit, ours], 'moves');
    const error = await failure(dbctlGenerate(ours));
    expect(error.details.filter((line) => line.includes('--rename'))).toEqual([
      '      --rename billing=archive   (renamed from billing)',
      '      --rename status=state   (renamed from status)',
      '      --rename billing.invoices=archive.invoices   (renamed from billing.invoices)',
    ]);
    const kitRun = await runDrizzleKit(kit, ['generate', '--name', 'moves'], {
      answers: [
        { prompt: 'Is archive schema created or renamed', keys: '\r' },
        { prompt: 'Is state enum created or renamed', keys: RENAME_FIRST },
        { prompt: 'Is archive.invoices table created or renamed', keys: RENAME_FIRST },
      ],
    });
    expect(kitRun.code, kitRun.output).toBe(0);
    const result = await dbctlGenerate(ours, {
      name: 'moves',
      create: ['archive'],
      rename: ['status=state', 'billing.invoices=archive.invoices'],
    });
    expect(result.renames).toEqual([
      { kind: 'enum', from: 'status', to: 'state' },
      { kind: 'table', from: 'billing.invoices', to: 'archive.invoices' },
    ]);
    expectSameFolder(kit, ours);
    expect(readFolder(ours).sql.get('0001_moves.sql')).toContain('ALTER TABLE "billing"."invoices" SET SCHEMA "archive";');
  });
});
