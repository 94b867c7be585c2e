/**
 * The parse cache through the binary (`io/parse-cache.ts`): `dbctl review` says exactly the same
 * with the cache off, cold, warm, partly missing or corrupt (the missing inputs parsed on the
 * parser's worker thread), after a migration is edited, and when the cache cannot be written.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createProject, type TestProject } from '../support/project.js';

let project: TestProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

/** Migrations that take every parser path: plain DDL, non-ASCII text, a DO block (PL/pgSQL), a statement that does not parse. */
const MIGRATIONS = [
  {
    name: 'users',
    sql: [
      'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text NOT NULL, "age" integer);',
      'CREATE INDEX "users_email_idx" ON "users" ("email");',
    ],
  },
  {
    name: 'accents',
    sql: [`ALTER TABLE "users" ADD COLUMN "naïve_日本" text DEFAULT 'é😀' NOT NULL;`, 'ALTER TABLE "users" DROP COLUMN "age";'],
  },
  {
    name: 'fk_in_do',
    sql: [
      'CREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "user_id" integer);',
      `DO $$ BEGIN\n ALTER TABLE "posts" ADD CONSTRAINT "posts_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id");\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;`,
    ],
  },
  { name: 'broken', sql: ['ALTER TABLE "posts" ADD COLUMN "title" text;', 'ALTER TABLE "posts" ADD COLUM "body" text;'] },
];

/** The keys of the cache's entries (`<kind>-<hash>`), one per line of its file. */
function entryKeys(dir: string): string[] {
  return readFileSync(path.join(dir, 'entries.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.slice(0, line.indexOf(' ')));
}

/** Rewrites the cache's file with only the lines `keep` says to keep, each changed by `change`. */
function editEntries(dir: string, keep: (key: string, i: number) => boolean, change: (line: string, i: number) => string = (l) => l): void {
  const file = path.join(dir, 'entries.jsonl');
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .sort();
  const kept = lines.map((line, i) => ({ line, i })).filter(({ line, i }) => keep(line.slice(0, line.indexOf(' ')), i));
  writeFileSync(file, kept.map(({ line, i }) => `${change(line, i)}\n`).join(''));
}

function cacheDirs(dir: string): string[] {
  const root = path.join(dir, 'node_modules', '.cache', 'dbctl');
  return existsSync(root)
    ? readdirSync(root)
        .filter((n) => n.startsWith('parse-'))
        .map((n) => path.join(root, n))
    : [];
}

describe('dbctl review with the parse cache', () => {
  it('gives the same report off, cold, warm, with entries missing or corrupt, and after an edit', async () => {
    project = await createProject('postgres://nobody:pw@127.0.0.1:1/none');
    mkdirSync(path.join(project.dir, 'node_modules')); // the project's own cache place
    for (const migration of MIGRATIONS) await project.addMigration(migration);
    const review = async (env: Record<string, string | undefined> = {}) => {
      const run = await project!.dbctl(['review', '--all', '--format', 'json'], { DATABASE_URL: undefined, ...env });
      return { code: run.code, report: run.json(), stderr: run.stderr };
    };

    const reference = await review({ DBCTL_PARSE_CACHE: 'off' });
    expect(reference.code).toBe(1);
    expect(JSON.stringify(reference.report)).toContain('"rule":"syntax-error"');
    expect(JSON.stringify(reference.report)).toContain('ban-drop-column');
    expect(cacheDirs(project.dir)).toEqual([]);

    const cold = await review();
    expect(cold).toEqual(reference);
    const [dir] = cacheDirs(project.dir);
    expect(dir).toBeDefined();
    expect(readdirSync(dir!)).toEqual(['entries.jsonl']);
    const keys = entryKeys(dir!).sort();
    expect(keys.some((n) => n.startsWith('parse-'))).toBe(true);
    expect(keys.some((n) => n.startsWith('plpgsql-'))).toBe(true); // the DO block's body

    const warm = await review();
    expect(warm).toEqual(reference);
    const text = await project.dbctl(['review', '--all'], { DATABASE_URL: undefined });
    const textOff = await project.dbctl(['review', '--all'], { DATABASE_URL: undefined, DBCTL_PARSE_CACHE: 'off' });
    expect([text.code, text.stdout]).toEqual([textOff.code, textOff.stdout]);

    // some entries gone, some corrupt: those inputs are parsed again and stored again
    editEntries(
      dir!,
      (_, i) => i % 3 !== 0,
      (line, i) => (i % 3 === 1 ? line.slice(0, 60) : line),
    );
    expect(await review()).toEqual(reference);
    expect(entryKeys(dir!).sort()).toEqual(keys);
    expect(await review()).toEqual(reference);

    // only the DO block's PL/pgSQL entry gone: every file is cached, so the parser is not loaded
    // up front, and that one call is answered by the parser on a worker thread
    editEntries(dir!, (key) => !key.startsWith('plpgsql-'));
    expect(await review()).toEqual(reference);
    expect(entryKeys(dir!).some((n) => n.startsWith('plpgsql-'))).toBe(true);

    // an edited migration is a new input: its findings follow the new text
    writeFileSync(path.join(project.out, '0001_accents.sql'), `ALTER TABLE "users" ADD COLUMN "naïve_日本" text DEFAULT 'é😀' NOT NULL;`);
    const editedOff = await review({ DBCTL_PARSE_CACHE: 'off' });
    expect(JSON.stringify(editedOff.report)).not.toContain('ban-drop-column');
    expect(await review()).toEqual(editedOff);
    expect(await review()).toEqual(editedOff);
  });

  it('reviews the same when the cache cannot be written or read', async () => {
    project = await createProject('postgres://nobody:pw@127.0.0.1:1/none');
    mkdirSync(path.join(project.dir, 'node_modules'));
    writeFileSync(path.join(project.dir, 'node_modules', '.cache'), 'a file where the cache directory would go');
    for (const migration of MIGRATIONS) await project.addMigration(migration);
    const off = await project.dbctl(['review', '--all', '--format', 'json'], { DATABASE_URL: undefined, DBCTL_PARSE_CACHE: 'off' });
    for (let i = 0; i < 2; i++) {
      const run = await project.dbctl(['review', '--all', '--format', 'json'], { DATABASE_URL: undefined });
      expect([run.code, run.stdout]).toEqual([off.code, off.stdout]);
    }
  });
});
