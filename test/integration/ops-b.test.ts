/**
 * The operations of review, check, generate, push, fix and revert called through the API with an
 * AbortSignal: an aborted signal rejects with `ABORTED` before anything is read or written, and a
 * signal that fires mid-run stops at the operation's last safe point, where nothing has changed yet
 * (push: the plan shown, nothing applied; fix: the drift shown, nothing written).
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { check, fix, generate, push, review, revert, type DbctlError } from '../../src/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createProject, type TestProject } from '../support/project.js';

let project: TestProject | undefined;
let db: TestDatabase | undefined;
let savedUrl: string | undefined;

beforeEach(() => {
  savedUrl = process.env.DATABASE_URL;
});

afterEach(async () => {
  if (savedUrl === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = savedUrl;
  await project?.cleanup();
  await db?.drop();
  project = undefined;
  db = undefined;
});

const SCHEMA = `import { pgTable, serial, text } from 'drizzle-orm/pg-core';
export const users = pgTable('users', { id: serial('id').primaryKey(), name: text('name') });
`;
const SCHEMA_WITH_EMAIL = SCHEMA.replace("name: text('name') }", "name: text('name'), email: text('email') }");

/** The project's folder: every file name under the migrations folder, and the journal's text. */
async function folderState(p: TestProject): Promise<string> {
  const names = (await readdir(p.out, { recursive: true })).map(String).sort();
  return `${names.join('\n')}\n${await readFile(path.join(p.out, 'meta', '_journal.json'), 'utf8')}`;
}

/** The user tables and columns of the test database. */
async function catalog(): Promise<string[]> {
  const rows = await db!.sql<{ c: string }[]>`
    select table_schema || '.' || table_name || '.' || column_name as c from information_schema.columns
    where table_schema not in ('pg_catalog', 'information_schema') order by 1`;
  return rows.map((r) => r.c);
}

/** The rejection of a promise (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<DbctlError> {
  return await promise.then(
    (resolved) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(resolved)}`);
    },
    (error: DbctlError) => error,
  );
}

/** A reporter that aborts `controller` at the first line containing `text`, keeping every line. */
function abortingAt(
  controller: AbortController,
  text: string,
): { lines: string[]; reporter: { info(line: string): void; warn(line: string): void } } {
  const lines: string[] = [];
  const seen = (line: string) => {
    lines.push(line);
    if (line.includes(text)) controller.abort(new Error('the app is shutting down'));
  };
  return { lines, reporter: { info: seen, warn: seen } };
}

describe('operations under an AbortSignal (review, check, generate, push, fix, revert)', () => {
  it('an aborted signal rejects each with ABORTED (exit 1) naming the reason; nothing is read or written', async () => {
    db = await createTestDatabase('ops_b_abort');
    project = await createProject(db.url);
    process.env.DATABASE_URL = db.url;
    await writeFile(path.join(project.dir, 'schema.ts'), SCHEMA);
    expect((await project.dbctl(['generate', '--name', 'init'])).code).toBe(0);
    await writeFile(path.join(project.dir, 'schema.ts'), SCHEMA_WITH_EMAIL); // generate would write 0001
    const folder = await folderState(project);
    const signal = AbortSignal.abort(new Error('the app is shutting down'));
    const cwd = project.dir;
    const calls: [string, () => Promise<unknown>][] = [
      ['review', () => review({ cwd, signal, all: true })],
      ['review --env', () => review({ cwd, signal, env: 'development' })],
      ['check', () => check({ cwd, signal })],
      ['check --env', () => check({ cwd, signal, env: 'development' })],
      ['generate', () => generate({ cwd, signal, name: 'email' })],
      ['push', () => push({ cwd, signal })],
      ['fix', () => fix({ cwd, signal })],
      ['revert', () => revert({ cwd, signal, tag: '0000_init' })],
    ];
    for (const [name, call] of calls) {
      const error = await rejection(call());
      expect(error, name).toMatchObject({ name: 'DbctlError', code: 'ABORTED', exitCode: 1 });
      expect(error.message, name).toContain('the app is shutting down');
    }
    expect(await folderState(project)).toBe(folder);
    expect(await catalog()).toEqual([]);
  });

  it('push aborted once its plan is shown applies nothing; without the abort the same push applies', async () => {
    db = await createTestDatabase('ops_b_push');
    project = await createProject(db.url);
    process.env.DATABASE_URL = db.url;
    await writeFile(path.join(project.dir, 'schema.ts'), SCHEMA);
    const controller = new AbortController();
    const { lines, reporter } = abortingAt(controller, 'to push');
    const error = await rejection(push({ cwd: project.dir, signal: controller.signal, reporter }));
    expect(error).toMatchObject({ code: 'ABORTED', exitCode: 1 });
    expect(lines.join('\n')).toContain('CREATE TABLE');
    expect(await catalog()).toEqual([]);

    const pushed = await push({ cwd: project.dir });
    expect(pushed).toMatchObject({ env: 'development', status: 'ok', applied: true });
    expect(await catalog()).toEqual(['public.users.id', 'public.users.name']);
  });

  it('fix aborted once the drift is shown writes no migration; the database is only read', async () => {
    db = await createTestDatabase('ops_b_fix');
    project = await createProject(db.url);
    process.env.DATABASE_URL = db.url;
    await writeFile(path.join(project.dir, 'schema.ts'), SCHEMA);
    expect((await project.dbctl(['generate', '--name', 'init'])).code).toBe(0);
    const migrated = await project.dbctl(['migrate']);
    expect(migrated.code, migrated.stderr).toBe(0);
    await db.sql`alter table users add column by_hand text`; // drift
    await db.sql`insert into users (name, by_hand) values ('a', 'x'), ('b', 'y')`;
    const rows = async () =>
      (await db!.sql`select md5(string_agg(id || ':' || name || ':' || by_hand, ',' order by id)) as h from users`)[0]!.h as string;
    const before = { folder: await folderState(project), rows: await rows(), catalog: await catalog() };

    const controller = new AbortController();
    const { lines, reporter } = abortingAt(controller, 'differs from what its applied migrations produce');
    const error = await rejection(fix({ cwd: project.dir, signal: controller.signal, reporter }));
    expect(error).toMatchObject({ code: 'ABORTED', exitCode: 1 });
    expect(lines.join('\n')).toContain('by_hand');
    expect({ folder: await folderState(project), rows: await rows(), catalog: await catalog() }).toEqual(before);
    const scratch = await db.sql`select datname from pg_database where datname like 'dbctl\\_scratch\\_%'`;
    expect(scratch.length).toBe(0);

    const written = await fix({ cwd: project.dir });
    expect(written).toMatchObject({ env: 'development', status: 'written' });
    expect(await folderState(project)).not.toBe(before.folder);
  });
});
