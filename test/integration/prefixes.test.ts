/**
 * Every drizzle-kit migration prefix (`index`, `timestamp`, `supabase`, `unix`, `none`): the files
 * `dbctl generate` writes pass `dbctl check`, and `dbctl drop` removes the newest migration (refused
 * with `none`, where drizzle keeps a single snapshot).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDbctl } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeProject, tempRoot, useSchema } from '../fixtures/generate/support.js';

const root = tempRoot('prefixes');
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('prefixes');
});
afterAll(async () => {
  root.cleanup();
  await db.drop();
});

const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1100 - (Date.now() % 1000)));

describe.each(['index', 'timestamp', 'supabase', 'unix', 'none'] as const)('prefix %s', (prefix) => {
  it('generate twice, check passes, drop removes the newest', async () => {
    const dir = makeProject(root.dir, prefix, { prefix });
    const run = (args: string[]) => runDbctl(args, { cwd: dir, env: { DATABASE_URL: db.url } });
    useSchema([dir], 'v1');
    expect((await run(['generate', '--name', 'first'])).code).toBeLessThanOrEqual(1);
    await nextSecond();
    useSchema([dir], 'v2');
    expect((await run(['generate', '--name', 'second'])).code).toBeLessThanOrEqual(1);
    const check = await run(['check', '--json']);
    const journal = check.json().checks.find((c: { id: string }) => c.id === 'journal');
    expect(journal, check.stdout).toMatchObject({ ok: true });
    const sql = () =>
      readdirSync(path.join(dir, 'drizzle'))
        .filter((f) => f.endsWith('.sql'))
        .sort();
    expect(sql()).toHaveLength(2);
    const snapshots = () =>
      readdirSync(path.join(dir, 'drizzle', 'meta'))
        .filter((f) => f.endsWith('_snapshot.json'))
        .sort();
    const before = snapshots();
    const drop = await run(['drop']);
    if (prefix === 'none') {
      expect(drop.code).toBe(2);
      expect(sql()).toHaveLength(2);
    } else {
      expect(drop.code, drop.stderr).toBe(0);
      expect(sql()).toHaveLength(1);
      expect(snapshots()).toEqual(before.slice(0, 1));
      expect((await run(['check', '--json'])).json().checks.find((c: { id: string }) => c.id === 'journal')).toMatchObject({ ok: true });
    }
    expect(existsSync(path.join(dir, 'drizzle', 'meta', '_journal.json'))).toBe(true);
  });
});
