/**
 * Issue 9's analysis routes end to end through the binary: what migrate judges destructive now
 * includes renames earlier in the migration, data-modifying CTEs, DO blocks (constant and dynamic
 * EXECUTE) and calls of user functions. On a protected environment each is refused without
 * --allow-destructive, the database unchanged (md5 over ordered rows); on development the
 * rename-then-drop is backed up under the table's name before the migration and restores identical.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { testProject, type TestProject } from '../support/project.js';

let project: TestProject | undefined;
let db: TestDatabase | undefined;

const production = { environments: { production: { url: 'env:DATABASE_URL', protected: true } } };

async function seeded(config?: object): Promise<TestProject> {
  db = await testDatabase('analysis');
  const p = await testProject(db.url, config ? { dbctlConfig: config } : {});
  await p.addMigration({
    name: 'posts',
    sql: [
      'CREATE TABLE "posts" ("id" serial PRIMARY KEY, "title" text NOT NULL, "body" text);',
      'CREATE FUNCTION archive_posts() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DELETE FROM posts; END $$;',
    ],
  });
  const env = config ? ['--env', 'production'] : [];
  const first = await p.dbctl(['migrate', ...env]);
  expect(first.code, first.stderr).toBe(0);
  await db.sql`insert into posts (title, body) select 'post ' || g, 'body ' || g from generate_series(1, 3000) g`;
  return p;
}

async function md5(): Promise<string> {
  const [row] = await db!.sql`select md5(coalesce(string_agg(p::text, ',' order by id), '')) as h, count(*)::int as n from posts p`;
  return `${row!.h}:${row!.n}`;
}

const ROUTES: [string, string[]][] = [
  ['rename then drop', ['ALTER TABLE "posts" RENAME TO "posts_old";', 'DROP TABLE "posts_old";']],
  [
    'column renamed then dropped',
    ['ALTER TABLE "posts" RENAME COLUMN "body" TO "body_old";', 'ALTER TABLE "posts" DROP COLUMN "body_old";'],
  ],
  ['data-modifying CTE', ['WITH d AS (DELETE FROM "posts" RETURNING 1) SELECT count(*) FROM d;']],
  ['constant EXECUTE in a DO block', ["DO $$ BEGIN EXECUTE 'TRUNCATE posts'; END $$;"]],
  ['dynamic EXECUTE (opaque)', ["DO $$ BEGIN EXECUTE 'TRUNCATE ' || quote_ident('posts'); END $$;"]],
  ['call of a user function (opaque)', ['SELECT archive_posts();']],
];

describe('the analysis reaches migrate', () => {
  it('on a protected environment every route is refused without --allow-destructive, the rows unchanged', async () => {
    project = await seeded(production);
    const before = await md5();
    expect(before.endsWith(':3000')).toBe(true);
    let tag: string | undefined;
    for (const [what, sql] of ROUTES) {
      // one pending migration, its text replaced by each route in turn (it never ran)
      if (tag) await writeFile(path.join(project.dir, 'drizzle', `${tag}.sql`), sql.join('\n--> statement-breakpoint\n'));
      else tag = await project.addMigration({ name: 'route', sql });
      const refused = await project.dbctl(['migrate', '--env', 'production', '--json']);
      expect(refused.code, `${what}: ${refused.stderr}`).toBe(3);
      expect(refused.json().status).toBe('refused');
      expect(refused.stderr).toContain('--allow-destructive');
      expect(await md5(), what).toBe(before);
    }
  });

  it('on development a table renamed then dropped is backed up as it was, and restores identical', async () => {
    project = await seeded();
    const before = await md5();
    await project.addMigration({ name: 'rename_drop', sql: ROUTES[0]![1] });
    const dry = await project.dbctl(['migrate', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.stringify(dry.json().plan[0].backup)).toContain('public.posts');
    const applied = await project.dbctl(['migrate', '--json']);
    expect(applied.code, applied.stderr).toBe(0);
    const backup = applied.json().applied[0].backup;
    expect(typeof backup).toBe('string');
    const [gone] = await db!.sql`select count(*)::int as n from pg_tables where tablename in ('posts', 'posts_old')`;
    expect(gone!.n).toBe(0);
    const restored = await project.dbctl(['restore', backup]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(await md5()).toBe(before);
  });
});
