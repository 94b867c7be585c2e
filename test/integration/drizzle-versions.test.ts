/**
 * dbctl on every drizzle line it supports, each installed from the registry into a cache outside
 * the repository's node_modules (`$TMPDIR/dbctl-test-drizzle/<kit>-orm<orm>`, reused when present):
 * drizzle-kit 0.31.0, 0.31.4, 0.31.8 and 0.31.11 (0.31.0-0.31.7 read through the adapter's older
 * shapes) and 1.0.0-rc.5 with drizzle-orm 1.0.0-rc.5. In a project using each: generate → review
 * → migrate → status → check, then a second migration.
 *
 * On 1.0 also: dbctl generate writes what `drizzle-kit generate` writes; `drizzle-kit migrate` and
 * `dbctl migrate` take turns on one database both ways; a 0.x migrations table is upgraded as
 * drizzle-orm 1.0's migrator upgrades it (compared on twin databases); a folder in the other
 * version's format is exit 2 naming `drizzle-kit up`; and npm installs dbctl next to 1.0 without
 * --legacy-peer-deps.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { dbctlBin, repoRoot, runNode, type CliResult } from '../support/cli.js';
import { drizzleCacheRoot, installDrizzle } from '../support/drizzle-install.js';

const run = promisify(execFile);

/** The lines under test: drizzle-kit version, the drizzle-orm it is installed with, extra packages. */
const MATRIX = [
  { kit: '0.31.0', orm: '0.44', extra: [] as string[] },
  { kit: '0.31.4', orm: '0.44', extra: [] },
  { kit: '0.31.8', orm: '0.45', extra: [] },
  { kit: '0.31.11', orm: '0.45', extra: [] },
  { kit: '1.0.0-rc.5', orm: '1.0.0-rc.5', extra: ['postgres@3'] },
] as const;

const cacheRoot = drizzleCacheRoot;

const dirs = new Map<string, string>();
const databases: TestDatabase[] = [];

beforeAll(async () => {
  // in parallel: the time is the registry's, not the CPU's
  const installed = await Promise.all(MATRIX.map(async (entry) => [entry.kit, await installDrizzle(entry)] as const));
  for (const [kit, dir] of installed) dirs.set(kit, dir);
}, 300_000);

afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
  for (const dir of dirs.values()) rmSync(path.join(dir, 'projects'), { recursive: true, force: true });
});

async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase('kitver');
  databases.push(db);
  return db;
}

const USERS = `import { pgTable, serial, text, integer } from 'drizzle-orm/pg-core';
export const users = pgTable('users', { id: serial('id').primaryKey(), name: text('name').notNull(), age: integer('age') });
`;
const USERS_EMAIL = USERS.replace("age: integer('age')", "age: integer('age'), email: text('email')");

/** A project beside the cached install of `kit` (so drizzle-kit and drizzle-orm resolve from it). */
function project(kit: string, options: { journal?: boolean } = {}): { dir: string; out: string; schema(text: string): void } {
  const dir = path.join(dirs.get(kit)!, 'projects', randomUUID().slice(0, 8));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'drizzle.config.ts'),
    `import { defineConfig } from 'drizzle-kit';
export default defineConfig({ dialect: 'postgresql', schema: './schema.ts', out: './drizzle', dbCredentials: { url: process.env.DATABASE_URL! } });
`,
  );
  writeFileSync(path.join(dir, 'schema.ts'), USERS);
  writeFileSync(path.join(dir, 'dbctl.config.json'), JSON.stringify({ environments: { development: { url: 'env:DATABASE_URL' } } }));
  if (options.journal) {
    mkdirSync(path.join(dir, 'drizzle', 'meta'), { recursive: true });
    writeFileSync(path.join(dir, 'drizzle', 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries: [] }));
  }
  return { dir, out: path.join(dir, 'drizzle'), schema: (text) => writeFileSync(path.join(dir, 'schema.ts'), text) };
}

const dbctl = (cwd: string, url: string, args: string[]): Promise<CliResult> =>
  runNode(dbctlBin, args, { cwd, env: { DATABASE_URL: url } });
const drizzleKit = (kit: string, cwd: string, url: string, args: string[]): Promise<CliResult> =>
  runNode(path.join(dirs.get(kit)!, 'node_modules', 'drizzle-kit', 'bin.cjs'), args, { cwd, env: { DATABASE_URL: url } });
const show = (r: CliResult) => `exit ${r.code}\n${r.stdout}\n${r.stderr}`;

/** drizzle-kit 1.0 names folders by the second; the next generate must land in a later one. */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1100 - (Date.now() % 1000)));

describe.concurrent('every supported drizzle-kit', () => {
  it.each(MATRIX.map((m) => m.kit))(
    'drizzle-kit %s: generate → review → migrate → status → check, then a second migration',
    async (kit) => {
      const db = await database();
      const p = project(kit);
      const first = await dbctl(p.dir, db.url, ['generate', '--name', 'init']);
      expect(first.code, show(first)).toBe(0);
      const review = await dbctl(p.dir, db.url, ['review', '--all']);
      expect(review.code, show(review)).toBe(0);
      const migrate = await dbctl(p.dir, db.url, ['migrate']);
      expect(migrate.code, show(migrate)).toBe(0);
      const status = await dbctl(p.dir, db.url, ['status', '--json']);
      expect(status.code, show(status)).toBe(0);
      expect(status.json().migrations.map((m: { state: string }) => m.state)).toEqual(['applied']);
      const check = await dbctl(p.dir, db.url, ['check']);
      expect(check.code, show(check)).toBe(0);

      if (kit.startsWith('1.')) await nextSecond();
      p.schema(USERS_EMAIL);
      const stale = await dbctl(p.dir, db.url, ['check']);
      expect(stale.code, show(stale)).toBe(1);
      expect(stale.stdout).toMatch(/schema in code differs/);
      const second = await dbctl(p.dir, db.url, ['generate', '--name', 'email']);
      expect(second.code, show(second)).toBe(0);
      expect((await dbctl(p.dir, db.url, ['migrate'])).code).toBe(0);
      const after = await dbctl(p.dir, db.url, ['status', '--json']);
      expect(after.json().migrations.map((m: { state: string }) => m.state)).toEqual(['applied', 'applied']);
      const [column] =
        await db.sql`select column_name from information_schema.columns where table_name = 'users' and column_name = 'email'`;
      expect(column).toBeDefined();
      expect((await dbctl(p.dir, db.url, ['check'])).code).toBe(0);

      if (kit.startsWith('1.')) {
        const folders = readdirSync(p.out).sort();
        expect(folders).toHaveLength(2);
        for (const folder of folders) {
          expect(folder).toMatch(/^\d{14}_(init|email)$/);
          expect(readdirSync(path.join(p.out, folder)).sort()).toEqual(['migration.sql', 'snapshot.json']);
        }
        expect(existsSync(path.join(p.out, 'meta'))).toBe(false);
        const rows = await db.sql`select hash, created_at, name from drizzle.__drizzle_migrations order by id`;
        expect(rows.map((r) => r.name)).toEqual(folders);
      } else {
        expect(existsSync(path.join(p.out, 'meta', '_journal.json'))).toBe(true);
      }
      // this release's introspection (check --env's drift) and push: 0.31's internals, 1.0's api-postgres
      const live = await dbctl(p.dir, db.url, ['check', '--env', 'development']);
      expect(live.code, show(live)).toBe(0);
      const fresh = await database();
      const push = await dbctl(p.dir, fresh.url, ['push']);
      expect(push.code, show(push)).toBe(0);
      const [pushed] = await fresh.sql`select count(*)::int as n from information_schema.columns where table_name = 'users'`;
      expect(pushed).toEqual({ n: 4 });
    },
    300_000,
  );
});

describe.concurrent('drizzle-kit 1.0.0-rc.5', () => {
  const kit = '1.0.0-rc.5';

  it('dbctl generate writes the files drizzle-kit generate writes', async () => {
    const ours = project(kit);
    const theirs = project(kit);
    for (const [step, schema, name] of [
      [0, USERS, 'init'],
      [1, USERS_EMAIL, 'email'],
    ] as const) {
      if (step > 0) await nextSecond();
      ours.schema(schema);
      theirs.schema(schema);
      const a = await dbctl(ours.dir, 'postgres://unused', ['generate', '--name', name]);
      expect(a.code, show(a)).toBe(0);
      const b = await drizzleKit(kit, theirs.dir, 'postgres://unused', ['generate', '--name', name]);
      expect(b.code, show(b)).toBe(0);
    }
    const list = (dir: string) => readdirSync(dir).sort();
    const [oursFolders, theirFolders] = [list(ours.out), list(theirs.out)];
    expect(oursFolders.map((f) => f.slice(15))).toEqual(theirFolders.map((f) => f.slice(15)));
    const ids = (dir: string) =>
      new Map(list(dir).map((f) => [JSON.parse(readFileSync(path.join(dir, f, 'snapshot.json'), 'utf8')).id as string, f.slice(15)]));
    const [oursIds, theirIds] = [ids(ours.out), ids(theirs.out)];
    for (const [index, folder] of oursFolders.entries()) {
      const other = theirFolders[index]!;
      expect(readFileSync(path.join(ours.out, folder, 'migration.sql'), 'utf8')).toBe(
        readFileSync(path.join(theirs.out, other, 'migration.sql'), 'utf8'),
      );
      // snapshots equal but for their random ids (prevIds name the parent by its id)
      const normalise = (text: string, byId: Map<string, string>) => {
        const data = JSON.parse(text) as { id: string; prevIds: string[] };
        return { ...data, id: byId.get(data.id), prevIds: data.prevIds.map((id) => byId.get(id) ?? id) };
      };
      expect(normalise(readFileSync(path.join(ours.out, folder, 'snapshot.json'), 'utf8'), oursIds)).toEqual(
        normalise(readFileSync(path.join(theirs.out, other, 'snapshot.json'), 'utf8'), theirIds),
      );
      expect(JSON.parse(readFileSync(path.join(ours.out, folder, 'snapshot.json'), 'utf8')).version).toBe('9');
    }
  }, 300_000);

  it('a rename is asked as a flag, and answered through drizzle-kit 1.0 hints', async () => {
    const p = project(kit);
    expect((await dbctl(p.dir, 'postgres://unused', ['generate', '--name', 'init'])).code).toBe(0);
    await nextSecond();
    p.schema(USERS.replace("age: integer('age')", "years: integer('years')"));
    const asked = await dbctl(p.dir, 'postgres://unused', ['generate', '--name', 'ren']);
    expect(asked.code, show(asked)).toBe(2);
    expect(asked.stderr).toMatch(/--create users\.years/);
    expect(readdirSync(p.out)).toHaveLength(1);
    const wrong = await dbctl(p.dir, 'postgres://unused', [
      'generate',
      '--name',
      'ren',
      '--rename',
      'users.age=users.years',
      '--create',
      'users.nothing',
    ]);
    expect(wrong.code, show(wrong)).toBe(2);
    expect(readdirSync(p.out)).toHaveLength(1);
    const answered = await dbctl(p.dir, 'postgres://unused', ['generate', '--name', 'ren', '--rename', 'users.age=users.years']);
    expect(answered.code, show(answered)).toBe(0);
    const folder = readdirSync(p.out).sort()[1]!;
    expect(readFileSync(path.join(p.out, folder, 'migration.sql'), 'utf8')).toBe('ALTER TABLE "users" RENAME COLUMN "age" TO "years";');
  }, 300_000);

  it('drizzle-kit migrate and dbctl migrate take turns on one database, both ways', async () => {
    const db = await database();
    const p = project(kit);
    expect((await dbctl(p.dir, db.url, ['generate', '--name', 'init'])).code).toBe(0);
    // dbctl first, then drizzle-kit finds nothing to do
    expect((await dbctl(p.dir, db.url, ['migrate'])).code).toBe(0);
    const kitRun = await drizzleKit(kit, p.dir, db.url, ['migrate']);
    expect(kitRun.code, show(kitRun)).toBe(0);
    expect(await db.sql`select count(*)::int as n from drizzle.__drizzle_migrations`).toEqual([{ n: 1 }]);
    // drizzle-kit next, then dbctl sees it applied
    await nextSecond();
    p.schema(USERS_EMAIL);
    expect((await dbctl(p.dir, db.url, ['generate', '--name', 'email'])).code).toBe(0);
    const kitSecond = await drizzleKit(kit, p.dir, db.url, ['migrate']);
    expect(kitSecond.code, show(kitSecond)).toBe(0);
    const status = await dbctl(p.dir, db.url, ['status', '--json']);
    expect(status.json().migrations.map((m: { state: string }) => m.state)).toEqual(['applied', 'applied']);
    expect((await dbctl(p.dir, db.url, ['migrate'])).code).toBe(0);
    // the rows: dbctl's and drizzle-orm 1.0's alike (hash, created_at from the folder name, name)
    const rows = await db.sql<{ hash: string; created_at: string; name: string; applied_at: Date | null }[]>`
      select hash, created_at, name, applied_at from drizzle.__drizzle_migrations order by id`;
    const folders = readdirSync(p.out).sort();
    expect(rows.map((r) => r.name)).toEqual(folders);
    for (const [index, row] of rows.entries()) {
      const f = folders[index]!;
      const when = Date.UTC(+f.slice(0, 4), +f.slice(4, 6) - 1, +f.slice(6, 8), +f.slice(8, 10), +f.slice(10, 12), +f.slice(12, 14));
      expect(Number(row.created_at)).toBe(when);
      expect(row.applied_at).toBeInstanceOf(Date);
    }
  }, 300_000);

  it('dbctl drop removes an unapplied migration folder, and refuses an applied one', async () => {
    const db = await database();
    const p = project(kit);
    expect((await dbctl(p.dir, db.url, ['generate', '--name', 'init'])).code).toBe(0);
    expect((await dbctl(p.dir, db.url, ['migrate'])).code).toBe(0);
    await nextSecond();
    p.schema(USERS_EMAIL);
    expect((await dbctl(p.dir, db.url, ['generate', '--name', 'email'])).code).toBe(0);
    const [init, email] = readdirSync(p.out).sort();
    const dropped = await dbctl(p.dir, db.url, ['drop', '--json']);
    expect(dropped.code, show(dropped)).toBe(0);
    expect(dropped.json().dropped).toEqual([email]);
    expect(readdirSync(p.out)).toEqual([init]);
    const refused = await dbctl(p.dir, db.url, ['drop']);
    expect(refused.code, show(refused)).toBe(1);
    expect(readdirSync(p.out)).toEqual([init]);
  }, 300_000);

  it('a 0.x migrations table is upgraded as drizzle-orm 1.0 upgrades it', async () => {
    const [ours, theirs] = [await database(), await database()];
    const p = project(kit);
    expect((await dbctl(p.dir, ours.url, ['generate', '--name', 'init'])).code).toBe(0);
    await nextSecond();
    p.schema(USERS_EMAIL);
    expect((await dbctl(p.dir, ours.url, ['generate', '--name', 'email'])).code).toBe(0);
    const [first, second] = readdirSync(p.out).sort() as [string, string];
    const sqlOf = (f: string) => readFileSync(path.join(p.out, f, 'migration.sql'), 'utf8');
    const { createHash } = await import('node:crypto');
    const hash = (text: string) => createHash('sha256').update(text).digest('hex');
    const millis = (f: string) =>
      Date.UTC(+f.slice(0, 4), +f.slice(4, 6) - 1, +f.slice(6, 8), +f.slice(8, 10), +f.slice(10, 12), +f.slice(12, 14));
    // both databases: the first migration applied by a 0.x drizzle (journal `when` had milliseconds)
    for (const db of [ours, theirs]) {
      await db.sql.unsafe(sqlOf(first));
      await db.sql.unsafe(
        `create schema drizzle; create table drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)`,
      );
      await db.sql`insert into drizzle.__drizzle_migrations (hash, created_at) values (${hash(sqlOf(first))}, ${millis(first) + 417})`;
    }
    const dbctlRun = await dbctl(p.dir, ours.url, ['migrate']);
    expect(dbctlRun.code, show(dbctlRun)).toBe(0);
    const kitRun = await drizzleKit(kit, p.dir, theirs.url, ['migrate']);
    expect(kitRun.code, show(kitRun)).toBe(0);
    const read = (db: TestDatabase) =>
      db.sql`select id, hash, created_at, name, applied_at is null as applied_at_null from drizzle.__drizzle_migrations order by id`;
    const [oursRows, theirRows] = [await read(ours), await read(theirs)];
    expect(oursRows).toEqual(theirRows);
    expect(oursRows.map((r) => r.name)).toEqual([first, second]);
    expect(oursRows.map((r) => r.applied_at_null)).toEqual([true, false]);
    const columns = (db: TestDatabase) =>
      db.sql`select column_name, data_type, column_default from information_schema.columns where table_schema = 'drizzle' and table_name = '__drizzle_migrations' order by ordinal_position`;
    expect(await columns(ours)).toEqual(await columns(theirs));
  }, 300_000);

  it('a 0.x table with a row no migration matches is refused before anything changes, as drizzle-orm refuses it', async () => {
    const db = await database();
    const p = project(kit);
    expect((await dbctl(p.dir, db.url, ['generate', '--name', 'init'])).code).toBe(0);
    await db.sql.unsafe(
      `create schema drizzle; create table drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)`,
    );
    await db.sql`insert into drizzle.__drizzle_migrations (hash, created_at) values ('0000000000000000000000000000000000000000000000000000000000000000', 1500000000000)`;
    const before = await db.sql`select * from drizzle.__drizzle_migrations order by id`;
    const refused = await dbctl(p.dir, db.url, ['migrate']);
    expect(refused.code, show(refused)).toBe(1);
    expect(refused.stderr).toMatch(/matching no migration/);
    expect(await db.sql`select * from drizzle.__drizzle_migrations order by id`).toEqual(before);
    expect(
      await db.sql`select column_name from information_schema.columns where table_schema = 'drizzle' and table_name = '__drizzle_migrations' order by ordinal_position`,
    ).toEqual([{ column_name: 'id' }, { column_name: 'hash' }, { column_name: 'created_at' }]);
    expect(await db.sql`select to_regclass('public.users') as t`).toEqual([{ t: null }]);
  }, 300_000);

  it('a 0.31 project upgraded with drizzle-kit up goes on with dbctl and drizzle-kit 1.0 alike', async () => {
    const db = await database();
    // a 0.31.11 project, migrated by dbctl
    const old = project('0.31.11', { journal: true });
    expect((await dbctl(old.dir, db.url, ['generate', '--name', 'init'])).code).toBe(0);
    expect((await dbctl(old.dir, db.url, ['migrate'])).code).toBe(0);
    // the same files in a 1.0 project, converted by drizzle-kit 1.0's `up`
    const p = project(kit);
    await run('cp', ['-r', old.out, p.out]);
    const refused = await dbctl(p.dir, db.url, ['status']);
    expect(refused.code, show(refused)).toBe(2);
    const up = await drizzleKit(kit, p.dir, db.url, ['up']);
    expect(up.code, show(up)).toBe(0);
    expect(existsSync(path.join(p.out, 'meta', '_journal.json'))).toBe(false);
    const status = await dbctl(p.dir, db.url, ['status', '--json']);
    expect(status.code, show(status)).toBe(0);
    expect(status.json().migrations.map((m: { state: string }) => m.state)).toEqual(['applied']);
    // a new migration, applied by dbctl: the table is upgraded and both rows named
    p.schema(USERS_EMAIL);
    expect((await dbctl(p.dir, db.url, ['generate', '--name', 'email'])).code).toBe(0);
    const migrate = await dbctl(p.dir, db.url, ['migrate']);
    expect(migrate.code, show(migrate)).toBe(0);
    const rows = await db.sql`select name from drizzle.__drizzle_migrations order by id`;
    expect(rows.map((r) => r.name)).toEqual(readdirSync(p.out).sort());
    // drizzle-kit 1.0 finds nothing to do, and the check passes
    const kitRun = await drizzleKit(kit, p.dir, db.url, ['migrate']);
    expect(kitRun.code, show(kitRun)).toBe(0);
    expect(await db.sql`select count(*)::int as n from drizzle.__drizzle_migrations`).toEqual([{ n: 2 }]);
    const check = await dbctl(p.dir, db.url, ['check']);
    expect(check.code, show(check)).toBe(0);
  }, 300_000);

  it("a folder in the other version's format is exit 2 naming drizzle-kit up", async () => {
    const db = await database();
    const journal = project(kit, { journal: true });
    writeFileSync(path.join(journal.out, '0000_init.sql'), 'CREATE TABLE "t" ("id" integer);');
    writeFileSync(
      path.join(journal.out, 'meta', '_journal.json'),
      JSON.stringify({
        version: '7',
        dialect: 'postgresql',
        entries: [{ idx: 0, version: '7', when: 1_760_000_000_000, tag: '0000_init', breakpoints: true }],
      }),
    );
    for (const args of [['status'], ['migrate'], ['generate']]) {
      const result = await dbctl(journal.dir, db.url, args);
      expect(result.code, show(result)).toBe(2);
      expect(result.stderr).toMatch(/drizzle-kit up/);
    }
    // and the other way: a 1.0 folder under drizzle-kit 0.31
    const folders = project('0.31.11');
    mkdirSync(path.join(folders.out, '20261205234248_init'), { recursive: true });
    writeFileSync(path.join(folders.out, '20261205234248_init', 'migration.sql'), 'CREATE TABLE "t" ("id" integer);');
    for (const args of [['status'], ['generate']]) {
      const result = await dbctl(folders.dir, db.url, args);
      expect(result.code, show(result)).toBe(2);
      expect(result.stderr).toMatch(/drizzle-kit 1\.0's format.*\n?.*drizzle-kit up/);
    }
    expect(await db.sql`select to_regclass('drizzle.__drizzle_migrations') as t`).toEqual([{ t: null }]);
  }, 300_000);

  it('check follows prevIds: branches sharing a parent pass, a missing parent fails', async () => {
    const p = project(kit);
    expect((await dbctl(p.dir, 'postgres://unused', ['generate', '--name', 'init'])).code).toBe(0);
    const [init] = readdirSync(p.out);
    const initId = JSON.parse(readFileSync(path.join(p.out, init!, 'snapshot.json'), 'utf8')).id as string;
    // two branches, each a migration on top of init
    for (const [name, sql] of [
      ['20300101000000_a', 'ALTER TABLE "users" ADD COLUMN "a" text;'],
      ['20300101000001_b', 'ALTER TABLE "users" ADD COLUMN "b" text;'],
    ] as const) {
      mkdirSync(path.join(p.out, name));
      writeFileSync(path.join(p.out, name, 'migration.sql'), sql);
      writeFileSync(
        path.join(p.out, name, 'snapshot.json'),
        JSON.stringify(
          { type: 'diff', version: '9', dialect: 'postgres', id: randomUUID(), prevIds: [initId], footprints: [], deltas: [] },
          null,
          2,
        ),
      );
    }
    const { checkFolders } = await import('../../src/drizzle/folder-facts.js');
    expect(await checkFolders(p.out)).toEqual({ count: 3, problems: [] });
    writeFileSync(
      path.join(p.out, '20300101000001_b', 'snapshot.json'),
      JSON.stringify({
        type: 'diff',
        version: '9',
        dialect: 'postgres',
        id: randomUUID(),
        prevIds: [randomUUID()],
        footprints: [],
        deltas: [],
      }),
    );
    const broken = await checkFolders(p.out);
    expect(broken.problems).toHaveLength(1);
    expect(broken.problems[0]).toMatch(/20300101000001_b's parent snapshot .* is in no migration/);
  }, 60_000);

  it('npm installs dbctl next to drizzle-kit and drizzle-orm 1.0.0-rc.5 without --legacy-peer-deps', async () => {
    // a package with dbctl's name and peer ranges is all npm's resolution looks at
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string> };
    const work = path.join(cacheRoot, `peer-${randomUUID().slice(0, 8)}`);
    try {
      mkdirSync(path.join(work, 'pkg'), { recursive: true });
      mkdirSync(path.join(work, 'app'), { recursive: true });
      writeFileSync(
        path.join(work, 'pkg', 'package.json'),
        JSON.stringify({ name: 'dbctl', version: '0.0.0-test', peerDependencies: manifest.peerDependencies }),
      );
      await run('npm', ['pack', '--pack-destination', work], { cwd: path.join(work, 'pkg') });
      writeFileSync(path.join(work, 'app', 'package.json'), JSON.stringify({ name: 'app', private: true }));
      for (const [k, o] of [
        ['1.0.0-rc.5', '1.0.0-rc.5'],
        ['0.31.4', '0.44'],
      ]) {
        const installed = await run(
          'npm',
          [
            'install',
            '--dry-run',
            '--no-audit',
            '--no-fund',
            path.join(work, 'dbctl-0.0.0-test.tgz'),
            `drizzle-kit@${k}`,
            `drizzle-orm@${o}`,
          ],
          { cwd: path.join(work, 'app'), timeout: 120_000 },
        ).catch((error: { stderr?: string }) => ({ stdout: '', stderr: `failed: ${error.stderr ?? String(error)}` }));
        expect(installed.stderr).not.toMatch(/ERESOLVE|failed:/);
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('an unsupported drizzle-kit', () => {
  it('is one line, exit 2, naming the versions that work', async () => {
    const dir = path.join(cacheRoot, `old-${randomUUID().slice(0, 8)}`);
    try {
      mkdirSync(path.join(dir, 'node_modules', 'drizzle-kit'), { recursive: true });
      writeFileSync(
        path.join(dir, 'node_modules', 'drizzle-kit', 'package.json'),
        JSON.stringify({ name: 'drizzle-kit', version: '0.30.6', main: 'index.js' }),
      );
      writeFileSync(path.join(dir, 'node_modules', 'drizzle-kit', 'index.js'), 'module.exports = {};');
      writeFileSync(
        path.join(dir, 'drizzle.config.ts'),
        `export default { dialect: 'postgresql', schema: './schema.ts', out: './drizzle' };\n`,
      );
      writeFileSync(path.join(dir, 'schema.ts'), 'export {};\n');
      writeFileSync(path.join(dir, 'dbctl.config.json'), JSON.stringify({ environments: { development: { url: 'env:DATABASE_URL' } } }));
      const result = await dbctl(dir, 'postgres://unused', ['generate']);
      expect(result.code, show(result)).toBe(2);
      expect(result.stderr).toMatch(
        /does not support drizzle-kit 0\.30\.6; it works with drizzle-kit 0\.31\.x or 1\.x from 1\.0\.0-rc\.5 on/,
      );
      expect(result.stderr).not.toMatch(/TypeError|at .*\.js:\d+/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
