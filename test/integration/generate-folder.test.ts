/**
 * The migrations folder around generate: where drizzle-kit prints a message and exits 0 without
 * generating (malformed, outdated or colliding snapshots), dbctl stops with exit 2; a corrupt
 * journal is exit 2; an existing migration file is never overwritten; a write that fails half-way
 * leaves the folder as it was. And the jiti fallback loader reads schemas like tsx does.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { writeAtomically } from '../../src/drizzle/generate/write.js';
import { isDbctlError, type DbctlError } from '../../src/errors.js';
import { dbctlGenerate, expectSameFolder, makeProject, readFolder, tempRoot, useFiles, useSchema } from '../fixtures/generate/support.js';

const root = tempRoot('folder');
afterAll(() => root.cleanup());

let count = 0;
let project: string;
beforeEach(async () => {
  count += 1;
  project = makeProject(root.dir, `p${count}`);
  useSchema([project], 'v1');
  await dbctlGenerate(project, { name: 'init' });
  useSchema([project], 'v2');
});

async function failure(run: Promise<unknown>): Promise<DbctlError> {
  const error = await run.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isDbctlError(error)) throw new Error(`expected a DbctlError, got ${String(error)}`);
  return error;
}

const meta = (file: string) => path.join(project, 'drizzle', 'meta', file);
const snapshot = () => JSON.parse(readFileSync(meta('0000_snapshot.json'), 'utf8'));

describe('folder problems are exit 2, and nothing is written', () => {
  it('a journal that is not JSON', async () => {
    writeFileSync(meta('_journal.json'), '{ "version": "7", ');
    const error = await failure(dbctlGenerate(project));
    expect(error.code).toBe('MIGRATIONS_FOLDER_INVALID');
    expect(error.exitCode).toBe(2);
  });

  it('a missing journal', async () => {
    const { rmSync } = await import('node:fs');
    rmSync(meta('_journal.json'));
    expect((await failure(dbctlGenerate(project))).message).toContain('_journal.json is missing');
  });

  it('a malformed snapshot', async () => {
    writeFileSync(meta('0000_snapshot.json'), JSON.stringify({ ...snapshot(), tables: 'nope' }, null, 2));
    expect((await failure(dbctlGenerate(project))).message).toContain('malformed');
  });

  it('an outdated snapshot version (drizzle-kit up needed)', async () => {
    const { tables: _tables, ...rest } = snapshot();
    writeFileSync(meta('0000_snapshot.json'), JSON.stringify({ ...rest, version: '6', tables: {} }, null, 2));
    const error = await failure(dbctlGenerate(project));
    expect(error.code).toBe('MIGRATIONS_FOLDER_INVALID');
    expect(error.hint).toContain('drizzle-kit up');
  });

  it('two snapshots generated from the same parent (a merge collision)', async () => {
    writeFileSync(meta('0001_snapshot.json'), JSON.stringify({ ...snapshot(), id: '11111111-1111-4111-8111-111111111111' }, null, 2));
    expect((await failure(dbctlGenerate(project))).message).toContain('0000_snapshot.json, 0001_snapshot.json');
  });

  it('an existing SQL file with the new tag is never overwritten (prefix none, same --name)', async () => {
    const none = makeProject(root.dir, `none${count}`, { prefix: 'none' });
    useSchema([none], 'v1');
    await dbctlGenerate(none, { custom: true, name: 'seed' });
    writeFileSync(path.join(none, 'drizzle', '_seed.sql'), 'select 1;');
    const journal = readFileSync(path.join(none, 'drizzle', 'meta', '_journal.json'), 'utf8');
    const error = await failure(dbctlGenerate(none, { custom: true, name: 'seed' }));
    expect(error.code).toBe('MIGRATIONS_FOLDER_INVALID');
    expect(readFileSync(path.join(none, 'drizzle', '_seed.sql'), 'utf8')).toBe('select 1;');
    expect(readFileSync(path.join(none, 'drizzle', 'meta', '_journal.json'), 'utf8')).toBe(journal);
  });

  it('--name with a path separator is a usage error', async () => {
    expect((await failure(dbctlGenerate(project, { name: '../escape' }))).code).toBe('USAGE');
  });

  it('no schema files found', async () => {
    const empty = makeProject(root.dir, `empty${count}`, { schema: './src/missing/*.ts' });
    const error = await failure(dbctlGenerate(empty));
    expect(error.code).toBe('DRIZZLE_CONFIG_INVALID');
    expect(error.message).toContain('./src/missing/*.ts');
  });

  it('a schema file that does not load', async () => {
    writeFileSync(path.join(project, 'src', 'schema.ts'), "import { nope } from './does-not-exist.js';\nexport const x = nope;\n");
    const error = await failure(dbctlGenerate(project));
    expect(error.code).toBe('DRIZZLE_CONFIG_INVALID');
    expect(error.message).toContain('schema.ts');
    expect(readFolder(project).files).toHaveLength(3);
  });
});

describe('atomic writes', () => {
  it('a write that fails half-way leaves nothing behind', async () => {
    const dir = path.join(root.dir, `atomic${count}`);
    mkdirSync(path.join(dir, 'meta', '_journal.json'), { recursive: true }); // a directory where the journal goes: its rename fails
    const error = await failure(
      writeAtomically([
        { path: path.join(dir, '0000_a.sql'), content: 'select 1;', replace: false },
        { path: path.join(dir, 'meta', '0000_snapshot.json'), content: '{}', replace: false },
        { path: path.join(dir, 'meta', '_journal.json'), content: '{}', replace: true },
      ]),
    );
    expect(error.code).toBe('OPERATION_FAILED');
    expect(readdirSync(dir).sort()).toEqual(['meta']);
    expect(readdirSync(path.join(dir, 'meta'))).toEqual(['_journal.json']);
  });

  it('directories a failed write created are removed again', async () => {
    const parent = path.join(root.dir, `dirs${count}`);
    mkdirSync(parent);
    writeFileSync(path.join(parent, 'file'), 'a file where a folder should be');
    const error = await failure(
      writeAtomically([
        { path: path.join(parent, 'drizzle', 'meta', 'x.json'), content: '', replace: false },
        { path: path.join(parent, 'file', 'x.sql'), content: '', replace: false },
      ]),
    );
    expect(error.code).toBe('OPERATION_FAILED');
    expect(readdirSync(parent)).toEqual(['file']);
  });
});

describe('the jiti fallback loader', () => {
  it("reads the schema like drizzle-kit's tsx does (same files written)", async () => {
    const viaTsx = makeProject(root.dir, `tsx${count}`, { schema: ['./src/db/posts.ts', './src/db/*.ts'] });
    const viaJiti = makeProject(root.dir, `jiti${count}`, { schema: ['./src/db/posts.ts', './src/db/*.ts'] });
    useFiles([viaTsx, viaJiti], 'multi/v2', 'src/db');
    await dbctlGenerate(viaTsx, { name: 'init' });
    await dbctlGenerate(viaJiti, { name: 'init', schemaLoader: 'jiti' });
    expectSameFolder(viaTsx, viaJiti);
  });
});
