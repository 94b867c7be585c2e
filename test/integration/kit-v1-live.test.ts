/**
 * drizzle-kit 1.0.0-rc.5 (installed from the registry into the same cache as
 * drizzle-versions.test.ts): push, fix, revert and check --env through 1.0's own api-postgres,
 * on the real embedded PostgreSQL. Data-loss routes seed rows and prove them unchanged after a
 * refusal (md5 over ordered rows).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { dbctlBin, runNode, type CliResult } from '../support/cli.js';
import { drizzleCacheDir, installDrizzle } from '../support/drizzle-install.js';
import { CREATE, RENAME_FIRST, runInTerminal } from '../fixtures/generate/support.js';

const KIT = '1.0.0-rc.5';
const LINE = { kit: KIT, orm: KIT, extra: ['postgres@3'] };
const cacheDir = drizzleCacheDir(LINE);
// per run: several checkouts may run this file at once over the one cache
const projectsDir = path.join(cacheDir, `projects-v1live-${process.pid}`);

const databases: TestDatabase[] = [];
beforeAll(() => installDrizzle(LINE), 300_000);
afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
  rmSync(projectsDir, { recursive: true, force: true });
});

async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase('kitv1');
  databases.push(db);
  return db;
}

export const USERS = `import { pgTable, serial, text, integer } from 'drizzle-orm/pg-core';
export const users = pgTable('users', { id: serial('id').primaryKey(), name: text('name').notNull(), age: integer('age') });
`;
const USERS_EMAIL = USERS.replace("age: integer('age')", "age: integer('age'), email: text('email')");
const USERS_NO_AGE = USERS.replace(", age: integer('age')", '');

function project(environments: Record<string, unknown> = { development: { url: 'env:DATABASE_URL' } }) {
  const dir = path.join(projectsDir, randomUUID().slice(0, 8));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'drizzle.config.ts'),
    `import { defineConfig } from 'drizzle-kit';
export default defineConfig({ dialect: 'postgresql', schema: './schema.ts', out: './drizzle', dbCredentials: { url: process.env.DATABASE_URL! } });
`,
  );
  writeFileSync(path.join(dir, 'schema.ts'), USERS);
  writeFileSync(path.join(dir, 'dbctl.config.json'), JSON.stringify({ environments }));
  return { dir, out: path.join(dir, 'drizzle'), schema: (text: string) => writeFileSync(path.join(dir, 'schema.ts'), text) };
}

const dbctl = (cwd: string, url: string, args: string[]): Promise<CliResult> =>
  runNode(dbctlBin, args, { cwd, env: { DATABASE_URL: url } });
const drizzleKit = (cwd: string, url: string, args: string[]): Promise<CliResult> =>
  runNode(path.join(cacheDir, 'node_modules', 'drizzle-kit', 'bin.cjs'), args, { cwd, env: { DATABASE_URL: url } });
const show = (r: CliResult) => `exit ${r.code}\n${r.stdout}\n${r.stderr}`;
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1100 - (Date.now() % 1000)));

async function md5(db: TestDatabase, table: string): Promise<string> {
  const [row] = await db.sql.unsafe(`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from ${table} t`);
  return String(row!.h);
}

async function columns(db: TestDatabase, table = 'users'): Promise<string[]> {
  const rows =
    await db.sql`select column_name from information_schema.columns where table_schema = 'public' and table_name = ${table} order by ordinal_position`;
  return rows.map((r) => String(r.column_name));
}

describe.concurrent('drizzle-kit 1.0: push', () => {
  it('creates the schema, then adds a column, through drizzle-kit 1.0 pushSchema', async () => {
    const db = await database();
    const p = project();
    const first = await dbctl(p.dir, db.url, ['push', '--json']);
    expect(first.code, show(first)).toBe(0);
    expect(await columns(db)).toEqual(['id', 'name', 'age']);
    // dbctl's own schemas and drizzle's are never part of the diff
    const again = await dbctl(p.dir, db.url, ['push', '--json']);
    expect(again.code, show(again)).toBe(0);
    expect(again.json().status).toBe('nothing-to-push');
    p.schema(USERS_EMAIL);
    const second = await dbctl(p.dir, db.url, ['push', '--json']);
    expect(second.code, show(second)).toBe(0);
    expect(second.json().dataLoss).toBe(false);
    expect(await columns(db)).toEqual(['id', 'name', 'age', 'email']);
  }, 120_000);

  it('a dropped non-empty column is data loss: refused without --force (rows unchanged), applied with it', async () => {
    const db = await database();
    const p = project();
    expect((await dbctl(p.dir, db.url, ['push'])).code).toBe(0);
    await db.sql`insert into users (name, age) values ('ada', 36), ('alan', 41)`;
    const before = await md5(db, 'users');
    p.schema(USERS_NO_AGE);
    const refused = await dbctl(p.dir, db.url, ['push', '--json']);
    expect(refused.code, show(refused)).toBe(3);
    expect(refused.json().dataLoss).toBe(true);
    expect(refused.json().warnings.join('\n')).toMatch(/users\.age/);
    expect(await md5(db, 'users')).toBe(before);
    const forced = await dbctl(p.dir, db.url, ['push', '--force']);
    expect(forced.code, show(forced)).toBe(0);
    expect(await columns(db)).toEqual(['id', 'name']);
  }, 120_000);

  it('a rename is asked as a flag (exit 2, nothing changed) and applied with --rename', async () => {
    const db = await database();
    const p = project();
    expect((await dbctl(p.dir, db.url, ['push'])).code).toBe(0);
    await db.sql`insert into users (name, age) values ('ada', 36)`;
    p.schema(USERS.replace("age: integer('age')", "years: integer('years')"));
    const asked = await dbctl(p.dir, db.url, ['push']);
    expect(asked.code, show(asked)).toBe(2);
    expect(asked.stderr).toMatch(/--rename/);
    expect(asked.stderr).toMatch(/dbctl push/);
    expect(await columns(db)).toEqual(['id', 'name', 'age']);
    const renamed = await dbctl(p.dir, db.url, ['push', '--rename', 'users.age=users.years']);
    expect(renamed.code, show(renamed)).toBe(0);
    expect(await columns(db)).toEqual(['id', 'name', 'years']);
    const [row] = await db.sql`select years from users`;
    expect(row).toEqual({ years: 36 });
  }, 120_000);

  it('a column type change on a non-empty table needs --force (rows unchanged without it)', async () => {
    const db = await database();
    const p = project();
    expect((await dbctl(p.dir, db.url, ['push'])).code).toBe(0);
    await db.sql`insert into users (name, age) values ('ada', 36)`;
    const before = await md5(db, 'users');
    p.schema(USERS.replace("age: integer('age')", "age: text('age')"));
    const refused = await dbctl(p.dir, db.url, ['push', '--json']);
    expect(refused.code, show(refused)).toBe(3);
    expect(refused.json().warnings.join('\n')).toMatch(/change age column type to text in users table with 1 items/);
    expect(await md5(db, 'users')).toBe(before);
    const forced = await dbctl(p.dir, db.url, ['push', '--force']);
    expect(forced.code, show(forced)).toBe(0);
    const [row] = await db.sql`select age from users`;
    expect(row).toEqual({ age: '36' });
  }, 120_000);

  it('is refused on a protected environment before connecting', async () => {
    const p = project({ production: { url: 'postgres://nobody@127.0.0.1:1/none', protected: true } });
    const refused = await dbctl(p.dir, 'postgres://unused', ['push', '--env', 'production']);
    expect(refused.code, show(refused)).toBe(3);
  }, 60_000);
});

describe.concurrent('drizzle-kit 1.0: check --env and fix', () => {
  it('drift against the replay, fixed by a proven migration in 1.0 folder format that drizzle-kit generate then sees no difference in', async () => {
    const db = await database();
    const p = project();
    expect((await dbctl(p.dir, db.url, ['generate', '--name', 'init'])).code).toBe(0);
    expect((await dbctl(p.dir, db.url, ['migrate'])).code).toBe(0);
    const clean = await dbctl(p.dir, db.url, ['check', '--env', 'development', '--json']);
    expect(clean.code, show(clean)).toBe(0);

    await db.sql.unsafe(
      `alter table users add column nickname text; alter table users alter column age type bigint; create index users_name_idx on users (name)`,
    );
    await db.sql`insert into users (name, age, nickname) values ('ada', 36, 'countess')`;
    const drifted = await dbctl(p.dir, db.url, ['check', '--env', 'development']);
    expect(drifted.code, show(drifted)).toBe(1);
    expect(drifted.stdout + drifted.stderr).toMatch(/nickname/);
    expect(drifted.stdout + drifted.stderr).toMatch(/users_name_idx/);

    await nextSecond();
    const fix = await dbctl(p.dir, db.url, ['fix', '--json']);
    expect(fix.code, show(fix)).toBe(0);
    const doc = fix.json();
    expect(doc.status).toBe('written');
    expect(doc.differences.join('\n')).toMatch(/nickname/);
    const folders = readdirSync(p.out).sort();
    expect(folders).toHaveLength(2);
    expect(folders[1]).toMatch(/^\d{14}_fix_development$/);
    expect(readdirSync(path.join(p.out, folders[1]!)).sort()).toEqual(['migration.sql', 'snapshot.json']);
    const [first, second] = folders.map(
      (f) => JSON.parse(readFileSync(path.join(p.out, f, 'snapshot.json'), 'utf8')) as { id: string; prevIds: string[]; version: string },
    );
    expect(second!.version).toBe('9');
    expect(second!.prevIds).toEqual([first!.id]);
    const sql = readFileSync(path.join(p.out, folders[1]!, 'migration.sql'), 'utf8');
    expect(sql).toMatch(/nickname/);
    expect(sql).toMatch(/users_name_idx/);

    // drizzle-kit 1.0 itself: the schema in code and the folder agree (the fix changed no schema)
    await nextSecond();
    const kitGenerate = await drizzleKit(p.dir, db.url, ['generate', '--name', 'after_fix']);
    expect(kitGenerate.code, show(kitGenerate)).toBe(0);
    expect(readdirSync(p.out)).toHaveLength(2);

    // the retype back to integer is a loss PostgreSQL reports: dbctl's guard wants it backed up first
    const guarded = await dbctl(p.dir, db.url, ['migrate']);
    expect(guarded.code, show(guarded)).not.toBe(0);
    expect(guarded.stderr).toMatch(/--backup-extra public\.users\.age/);
    const migrate = await dbctl(p.dir, db.url, ['migrate', '--backup-extra', 'public.users.age']);
    expect(migrate.code, show(migrate)).toBe(0);
    const after = await dbctl(p.dir, db.url, ['check', '--env', 'development']);
    expect(after.code, show(after)).toBe(0);
    expect(await columns(db)).toEqual(['id', 'name', 'age']);
  }, 240_000);
});

describe.concurrent('drizzle-kit 1.0: fix with a rename', () => {
  it('a column renamed by hand is a rename question (exit 2, nothing written); answered, the unprovable rename is refused', async () => {
    const db = await database();
    const p = project();
    expect((await dbctl(p.dir, db.url, ['generate', '--name', 'init'])).code).toBe(0);
    expect((await dbctl(p.dir, db.url, ['migrate'])).code).toBe(0);
    await db.sql.unsafe(`alter table users rename column age to years; insert into users (name, years) values ('ada', 36)`);
    await nextSecond();
    const asked = await dbctl(p.dir, db.url, ['fix']);
    expect(asked.code, show(asked)).toBe(2);
    expect(asked.stderr).toMatch(/--rename/);
    expect(asked.stderr).toMatch(/dbctl fix/);
    expect(readdirSync(p.out)).toHaveLength(1);
    // answered as a rename: the rename it would write fails on the replay (where "years" never
    // existed), so fix cannot prove it and writes nothing, as on 0.31
    const before = await md5(db, 'users');
    const fix = await dbctl(p.dir, db.url, ['fix', '--rename', 'users.years=users.age']);
    expect(fix.code, show(fix)).toBe(1);
    expect(fix.stderr).toMatch(/cannot prove/);
    expect(fix.stderr).toMatch(/RENAME COLUMN "years" TO "age"/);
    expect(readdirSync(p.out)).toHaveLength(1);
    expect(await md5(db, 'users')).toBe(before);
  }, 240_000);
});

describe.concurrent('drizzle-kit 1.0: an invalid index', () => {
  it('counts as missing for check --env; fix drops it before building it again', async () => {
    const db = await database();
    const p = project();
    p.schema(`import { pgTable, serial, text, uniqueIndex } from 'drizzle-orm/pg-core';
export const users = pgTable('users', { id: serial('id').primaryKey(), email: text('email').notNull() }, (t) => [uniqueIndex('users_email_idx').on(t.email)]);
`);
    expect((await dbctl(p.dir, db.url, ['generate', '--name', 'init'])).code).toBe(0);
    expect((await dbctl(p.dir, db.url, ['migrate'])).code).toBe(0);
    // the index rebuilt CONCURRENTLY over duplicates: PostgreSQL leaves it invalid
    await db.sql.unsafe(`drop index users_email_idx; insert into users (email) values ('a@x'), ('a@x')`);
    await expect(db.sql.unsafe('create unique index concurrently users_email_idx on users (email)')).rejects.toThrow();
    const [flag] =
      await db.sql`select i.indisvalid from pg_index i join pg_class c on c.oid = i.indexrelid where c.relname = 'users_email_idx'`;
    expect(flag).toEqual({ indisvalid: false });
    const drifted = await dbctl(p.dir, db.url, ['check', '--env', 'development']);
    expect(drifted.code, show(drifted)).toBe(1);
    expect(drifted.stdout + drifted.stderr).toMatch(/users_email_idx/);
    await nextSecond();
    const fix = await dbctl(p.dir, db.url, ['fix', '--json']);
    expect(fix.code, show(fix)).toBe(0);
    const statements = fix.json().statements.join('\n');
    expect(statements).toMatch(
      /DROP INDEX IF EXISTS "public"."users_email_idx"[\s\S]*CREATE UNIQUE INDEX (IF NOT EXISTS )?"users_email_idx"/,
    );
    await db.sql`delete from users where id = (select max(id) from users)`;
    const migrate = await dbctl(p.dir, db.url, ['migrate']);
    expect(migrate.code, show(migrate)).toBe(0);
    const after = await dbctl(p.dir, db.url, ['check', '--env', 'development']);
    expect(after.code, show(after)).toBe(0);
  }, 240_000);
});

describe.concurrent('drizzle-kit 1.0: revert', () => {
  it('undoes the newest migration in 1.0 folder format; drizzle-kit generate then agrees with the code changed back', async () => {
    const db = await database();
    const p = project();
    expect((await dbctl(p.dir, db.url, ['generate', '--name', 'init'])).code).toBe(0);
    await nextSecond();
    p.schema(USERS_EMAIL);
    expect((await dbctl(p.dir, db.url, ['generate', '--name', 'email'])).code).toBe(0);
    expect((await dbctl(p.dir, db.url, ['migrate'])).code).toBe(0);
    const [init, email] = readdirSync(p.out).sort();

    // the older one: the later migration builds on the table it creates (exit 2, nothing written)
    const older = await dbctl(p.dir, db.url, ['revert', init!]);
    expect(older.code, show(older)).toBe(2);
    expect(older.stderr).toMatch(/cannot revert .*later migrations build on what it changed/);
    expect(older.stderr).toMatch(new RegExp(`dbctl revert ${email}`));
    expect(readdirSync(p.out)).toHaveLength(2);

    const revert = await dbctl(p.dir, db.url, ['revert', email!, '--json']);
    expect(revert.code, show(revert)).toBe(0);
    const folders = readdirSync(p.out).sort();
    expect(folders).toHaveLength(3);
    expect(folders[2]).toBe(`${folders[2]!.slice(0, 14)}_revert_${email}`);
    expect(readdirSync(path.join(p.out, folders[2]!)).sort()).toEqual(['migration.sql', 'snapshot.json']);
    const snap = (f: string) => JSON.parse(readFileSync(path.join(p.out, f, 'snapshot.json'), 'utf8')) as Record<string, unknown>;
    const written = snap(folders[2]!);
    expect(Object.keys(written)).toEqual(Object.keys(snap(email!)));
    expect(written.prevIds).toEqual([snap(email!).id]);
    expect(readFileSync(path.join(p.out, folders[2]!, 'migration.sql'), 'utf8')).toMatch(/DROP COLUMN "email"/);

    // the code changed back: drizzle-kit 1.0's own generate sees no difference
    p.schema(USERS);
    await nextSecond();
    const kitGenerate = await drizzleKit(p.dir, db.url, ['generate', '--name', 'after_revert']);
    expect(kitGenerate.code, show(kitGenerate)).toBe(0);
    expect(readdirSync(p.out)).toHaveLength(3);
    const migrate = await dbctl(p.dir, db.url, ['migrate']);
    expect(migrate.code, show(migrate)).toBe(0);
    expect(await columns(db)).toEqual(['id', 'name', 'age']);
    // the folder (prevIds chain) and the schema agree; the review rightly flags the revert's DROP COLUMN
    const check = await dbctl(p.dir, db.url, ['check']);
    expect(check.stdout, show(check)).toMatch(/pass\s+schema/);
    expect(check.stdout, show(check)).toMatch(/pass\s+journal: 3 migrations/);
  }, 240_000);
});

describe.concurrent('drizzle-kit 1.0: generate at a terminal', () => {
  it('asks each rename question with the picker, in drizzle-kit order, and prints the flags for CI', async () => {
    const p = project();
    expect((await dbctl(p.dir, 'postgres://unused', ['generate', '--name', 'init'])).code).toBe(0);
    await nextSecond();
    p.schema(
      USERS.replace("pgTable('users'", "pgTable('people'")
        .replace("age: integer('age')", "years: integer('years'), note: integer('note')")
        .replace("name: text('name')", "label: text('label')"),
    );
    const answers = [
      { prompt: 'Is people table created or renamed', keys: RENAME_FIRST },
      { prompt: 'Is label column in people table created or renamed', keys: RENAME_FIRST },
      { prompt: 'Is years column in people table created or renamed', keys: CREATE },
      { prompt: 'Is note column in people table created or renamed', keys: RENAME_FIRST },
    ];
    const ours = await runInTerminal(dbctlBin, p.dir, ['generate', '--name', 'renames'], {
      answers,
      env: { DATABASE_URL: 'postgres://unused' },
    });
    expect(ours.code, ours.output).toBe(0);
    expect(ours.output).toContain(
      'to repeat these answers without a terminal (CI): dbctl generate --name renames --rename users=people --rename people.name=people.label --create people.years --rename people.age=people.note',
    );
    const folder = readdirSync(p.out).sort()[1]!;
    const sql = readFileSync(path.join(p.out, folder, 'migration.sql'), 'utf8');
    expect(sql).toMatch(/RENAME TO "people"/);
    expect(sql).toMatch(/RENAME COLUMN "name" TO "label"/);
    expect(sql).toMatch(/RENAME COLUMN "age" TO "note"/);
    expect(sql).toMatch(/ADD COLUMN "years"/);
  }, 120_000);
});

describe.concurrent('drizzle-kit 1.0: status matches rows by name', () => {
  it('two folders of the same second: the applied one is matched by its name, an edit of it is modified, the other pending', async () => {
    const db = await database();
    const p = project();
    expect((await dbctl(p.dir, db.url, ['generate', '--name', 'init'])).code).toBe(0);
    await nextSecond();
    expect((await dbctl(p.dir, db.url, ['generate', '--custom', '--name', 'b_branch'])).code).toBe(0);
    const [init, b] = readdirSync(p.out).sort();
    writeFileSync(path.join(p.out, b!, 'migration.sql'), 'CREATE TABLE b_made (id integer);');
    // drizzle-kit 1.0 applies init and b (rows with their names)
    const kitMigrate = await drizzleKit(p.dir, db.url, ['migrate']);
    expect(kitMigrate.code, show(kitMigrate)).toBe(0);
    // a branch merged later: a sibling of b generated in the same second, sorting before it
    const a = `${b!.slice(0, 14)}_a_branch`;
    mkdirSync(path.join(p.out, a));
    const snapshot = JSON.parse(readFileSync(path.join(p.out, b!, 'snapshot.json'), 'utf8')) as { id: string };
    writeFileSync(path.join(p.out, a, 'snapshot.json'), JSON.stringify({ ...snapshot, id: randomUUID() }, null, 2));
    writeFileSync(path.join(p.out, a, 'migration.sql'), 'CREATE TABLE a_made (id integer);');
    writeFileSync(path.join(p.out, b!, 'migration.sql'), 'CREATE TABLE b_made (id integer, edited integer);');
    const status = await dbctl(p.dir, db.url, ['status', '--json']);
    const states = Object.fromEntries(status.json().migrations.map((m: { tag: string; state: string }) => [m.tag, m.state]));
    expect(states, show(status)).toEqual({ [init!]: 'applied', [a]: 'pending', [b!]: 'modified' });
    expect(init! < a).toBe(true);
  }, 120_000);
});

describe.concurrent('drizzle-kit 1.0: check --env schema-vs-sql', () => {
  type Check = { id: string; ok: boolean; message: string; details?: string[] };
  const schemaVsSql = (r: CliResult) => (r.json().checks as Check[]).find((c) => c.id === 'schema-vs-sql')!;

  it('a clean project: the SQL makes exactly what the code declares; a hand-written index is a difference, pending or applied', async () => {
    const db = await database();
    const p = project();
    expect((await dbctl(p.dir, db.url, ['generate', '--name', 'init'])).code).toBe(0);
    expect((await dbctl(p.dir, db.url, ['migrate'])).code).toBe(0);
    const clean = await dbctl(p.dir, db.url, ['check', '--env', 'development', '--json']);
    expect(clean.code, show(clean)).toBe(0);
    expect(schemaVsSql(clean)).toEqual({
      id: 'schema-vs-sql',
      ok: true,
      message: "the migrations' SQL makes exactly what the schema in code declares",
    });

    // a hand-written index, not declared in code, in a custom migration (pending, then applied)
    await nextSecond();
    expect((await dbctl(p.dir, db.url, ['generate', '--custom', '--name', 'by_hand'])).code).toBe(0);
    const custom = readdirSync(p.out).sort()[1]!;
    writeFileSync(path.join(p.out, custom, 'migration.sql'), 'CREATE INDEX "users_name_idx" ON "users" ("name");\n');
    for (const step of ['pending', 'applied']) {
      if (step === 'applied') expect((await dbctl(p.dir, db.url, ['migrate'])).code).toBe(0);
      const checked = await dbctl(p.dir, db.url, ['check', '--env', 'development', '--json']);
      const found = schemaVsSql(checked);
      expect(found.ok, step).toBe(true);
      expect(found.message, step).toBe(
        "the migrations' SQL and the schema in code differ in 1 place (`drizzle-kit push` would try to undo these; declare them in code or leave them to SQL)",
      );
      expect(found.details!.join('\n'), step).toMatch(/users_name_idx: in the migrations' SQL, not in the schema in code/);
    }
  }, 240_000);
});

describe.concurrent('drizzle-kit 1.0: revert of an older migration', () => {
  const POSTS = `
export const posts = pgTable('posts', { id: serial('id').primaryKey(), title: text('title').notNull() });
`;
  const snap = (dir: string, f: string) =>
    JSON.parse(readFileSync(path.join(dir, f, 'snapshot.json'), 'utf8')) as { id: string; prevIds: string[]; version: string };

  it('undoes its changes on top of the newest (prevIds name the newest); drizzle-kit generate agrees with the code changed back', async () => {
    const db = await database();
    const p = project();
    expect((await dbctl(p.dir, db.url, ['generate', '--name', 'init'])).code).toBe(0);
    await nextSecond();
    p.schema(USERS_EMAIL);
    expect((await dbctl(p.dir, db.url, ['generate', '--name', 'email'])).code).toBe(0);
    await nextSecond();
    p.schema(USERS_EMAIL + POSTS);
    expect((await dbctl(p.dir, db.url, ['generate', '--name', 'posts'])).code).toBe(0);
    expect((await dbctl(p.dir, db.url, ['migrate'])).code).toBe(0);
    await db.sql`insert into posts (title) values ('hello'), ('world')`;
    const postsBefore = await md5(db, 'posts');
    const [, email, posts] = readdirSync(p.out).sort();

    await nextSecond();
    const revert = await dbctl(p.dir, db.url, ['revert', email!, '--json']);
    expect(revert.code, show(revert)).toBe(0);
    const folders = readdirSync(p.out).sort();
    expect(folders).toHaveLength(4);
    expect(folders[3]).toBe(`${folders[3]!.slice(0, 14)}_revert_${email}`);
    const written = snap(p.out, folders[3]!);
    expect(written.version).toBe('9');
    expect(written.prevIds).toEqual([snap(p.out, posts!).id]);
    const sql = readFileSync(path.join(p.out, folders[3]!, 'migration.sql'), 'utf8');
    expect(sql).toMatch(/DROP COLUMN "email"/);
    expect(sql).not.toMatch(/posts/);

    // the code changed back as dbctl says: drizzle-kit 1.0's own generate sees no difference
    p.schema(USERS + POSTS);
    await nextSecond();
    const kitGenerate = await drizzleKit(p.dir, db.url, ['generate', '--name', 'after_revert']);
    expect(kitGenerate.code, show(kitGenerate)).toBe(0);
    expect(readdirSync(p.out)).toHaveLength(4);
    const migrate = await dbctl(p.dir, db.url, ['migrate']);
    expect(migrate.code, show(migrate)).toBe(0);
    expect(await columns(db)).toEqual(['id', 'name', 'age']);
    expect(await md5(db, 'posts')).toBe(postsBefore);
  }, 240_000);

  it('refuses one that renames (exit 2, nothing written), naming what to run', async () => {
    const db = await database();
    const p = project();
    expect((await dbctl(p.dir, db.url, ['generate', '--name', 'init'])).code).toBe(0);
    await nextSecond();
    p.schema(USERS.replace("age: integer('age')", "years: integer('years')"));
    // (the column's new name alone answers for the same table: users.age=years is users.age=users.years)
    const renamed = await dbctl(p.dir, db.url, ['generate', '--name', 'years', '--rename', 'users.age=years']);
    expect(renamed.code, show(renamed)).toBe(0);
    await nextSecond();
    p.schema(USERS.replace("age: integer('age')", "years: integer('years')") + POSTS);
    expect((await dbctl(p.dir, db.url, ['generate', '--name', 'posts'])).code).toBe(0);
    const [, years, posts] = readdirSync(p.out).sort();
    const refused = await dbctl(p.dir, db.url, ['revert', years!]);
    expect(refused.code, show(refused)).toBe(2);
    expect(refused.stderr).toMatch(/it renames .*age.* to .*years/);
    expect(refused.stderr).toMatch(new RegExp(`dbctl revert ${posts}`));
    expect(refused.stderr).toMatch(new RegExp(`dbctl generate --custom --name revert_${years}`));
    expect(readdirSync(p.out)).toHaveLength(3);
  }, 240_000);

  it('refuses (exit 2, nothing written) when a later migration builds on or changes again what it changed, naming what to run', async () => {
    const db = await database();
    const p = project();
    expect((await dbctl(p.dir, db.url, ['generate', '--name', 'init'])).code).toBe(0);
    await nextSecond();
    p.schema(USERS_EMAIL);
    expect((await dbctl(p.dir, db.url, ['generate', '--name', 'email'])).code).toBe(0);
    await nextSecond();
    // an index on the column the older migration added
    p.schema(`import { pgTable, serial, text, integer, index } from 'drizzle-orm/pg-core';
export const users = pgTable('users', { id: serial('id').primaryKey(), name: text('name').notNull(), age: integer('age'), email: text('email') }, (t) => [index('users_email_idx').on(t.email)]);
`);
    const idx = await dbctl(p.dir, db.url, ['generate', '--name', 'email_idx']);
    expect(idx.stdout + idx.stderr, show(idx)).toMatch(/wrote .*email_idx/); // the review flags the non-concurrent index (exit 1)
    const [, email, emailIdx] = readdirSync(p.out).sort();
    const refused = await dbctl(p.dir, db.url, ['revert', email!]);
    expect(refused.code, show(refused)).toBe(2);
    expect(refused.stderr).toMatch(/later migrations build on what it changed/);
    expect(refused.stderr).toMatch(/users_email_idx/);
    expect(refused.stderr).toMatch(new RegExp(`dbctl revert ${emailIdx}`));
    expect(readdirSync(p.out)).toHaveLength(3);

    // a later migration changing the same column again
    await nextSecond();
    p.schema(USERS.replace("age: integer('age')", "age: integer('age'), email: text('email').notNull()"));
    const required = await dbctl(p.dir, db.url, ['generate', '--name', 'email_required']);
    expect(required.stdout + required.stderr, show(required)).toMatch(/wrote .*email_required/); // the review may flag SET NOT NULL (exit 1)
    const again = await dbctl(p.dir, db.url, ['revert', email!]);
    expect(again.code, show(again)).toBe(2);
    expect(again.stderr).toMatch(/changed again what it changed|build on what it changed/);
    expect(readdirSync(p.out)).toHaveLength(4);
  }, 240_000);
});
