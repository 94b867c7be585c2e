/**
 * `dbctl drop [TAG]`: removes unapplied migrations (SQL file, journal entry, snapshot) and refuses,
 * removing nothing, when one is applied in an environment dbctl can see.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createProject, type TestProject } from '../support/project.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setup(): Promise<{ db: TestDatabase; project: TestProject; tags: string[] }> {
  const db = await createTestDatabase('drop');
  const project = await createProject(db.url);
  cleanups.push(
    () => project.cleanup(),
    () => db.drop(),
  );
  const tags: string[] = [];
  for (const [i, name] of ['init', 'posts', 'tags'].entries()) {
    tags.push(await project.addMigration({ name, sql: [`CREATE TABLE "${name}" ("id" integer PRIMARY KEY)`] }));
    await writeFile(path.join(project.out, 'meta', `${String(i).padStart(4, '0')}_snapshot.json`), '{}');
  }
  return { db, project, tags };
}

describe('dbctl drop', () => {
  it('removes the newest migration, its journal entry and its snapshot when it is applied nowhere', async () => {
    const { project, tags } = await setup();
    expect((await project.dbctl(['migrate', '--to', tags[1]!])).code).toBe(0);
    const result = await project.dbctl(['drop', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toMatchObject({ dropped: [tags[2]], status: 'dropped', checked: [{ env: 'development', applied: [] }] });
    expect(existsSync(path.join(project.out, `${tags[2]}.sql`))).toBe(false);
    expect(existsSync(path.join(project.out, 'meta', '0002_snapshot.json'))).toBe(false);
    expect(existsSync(path.join(project.out, 'meta', '0001_snapshot.json'))).toBe(true);
    expect((await project.journal()).entries.map((e) => e.tag)).toEqual(tags.slice(0, 2));
  });

  it('refuses (exit 1) and removes nothing when TAG or one after it is applied', async () => {
    const { project, tags } = await setup();
    expect((await project.dbctl(['migrate', '--to', tags[1]!])).code).toBe(0);
    const journal = await readFile(path.join(project.out, 'meta', '_journal.json'), 'utf8');
    const result = await project.dbctl(['drop', '0001']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`applied in development (${tags[1]})`);
    expect(await readFile(path.join(project.out, 'meta', '_journal.json'), 'utf8')).toBe(journal);
    for (const tag of tags) expect(existsSync(path.join(project.out, `${tag}.sql`))).toBe(true);
  });

  it('drops TAG and every migration after it; an unknown tag is exit 2', async () => {
    const { project, tags } = await setup();
    expect((await project.dbctl(['drop', 'nope'])).code).toBe(2);
    const result = await project.dbctl(['drop', tags[1]!]);
    expect(result.code, result.stderr).toBe(0);
    expect((await project.journal()).entries.map((e) => e.tag)).toEqual([tags[0]]);
  });

  it('refuses when an environment whose url is set cannot be reached (exit 4), removing nothing', async () => {
    const { project, tags } = await setup();
    const result = await project.dbctl(['drop'], { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/none' });
    expect(result.code).toBe(4);
    expect(existsSync(path.join(project.out, `${tags[2]}.sql`))).toBe(true);
  });
});
