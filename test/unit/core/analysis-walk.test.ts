/**
 * The analysis walks the whole statement: renames mapped back to the objects as they were before
 * the migration, SET search_path, CTEs, DO blocks and PL/pgSQL bodies, functions defined in the
 * migration, DROP TYPE/DOMAIN CASCADE, and what it cannot see into (opaque = destructive).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { classifyStatements, parseSearchPath, type StatementClassification } from '../../../src/core/classify.js';
import { describeDestroyed } from '../../../src/core/destroyed.js';
import { loadSqlParser, type SqlParser } from '../../../src/sql/parser.js';

let parser: SqlParser;
beforeAll(async () => {
  parser = await loadSqlParser();
});

function classify(sql: string, session?: { searchPath: string[] | null }): StatementClassification[] {
  return classifyStatements(parser.parseAll(sql), { parser, ...(session ? { session } : {}) });
}
const destroyed = (sql: string) => classify(sql).flatMap((c) => c.destroys);

describe('renames within the migration', () => {
  it('a table renamed then dropped destroys the table as it was before', () => {
    const all = classify('ALTER TABLE "posts" RENAME TO "posts_old"; DROP TABLE "posts_old";');
    expect(all[1]!.class).toBe('destructive');
    expect(all[1]!.destroys).toEqual([{ kind: 'table', schema: 'public', table: 'posts', reason: 'DROP TABLE', qualified: false }]);
  });
  it('renames chain, and a move to another schema is followed', () => {
    expect(destroyed('ALTER TABLE a RENAME TO b; ALTER TABLE b RENAME TO c; ALTER TABLE c SET SCHEMA old; TRUNCATE old.c')).toEqual([
      { kind: 'rows', schema: 'public', table: 'a', reason: 'TRUNCATE', qualified: false },
    ]);
  });
  it('a column renamed then dropped destroys the column as it was before', () => {
    expect(destroyed('ALTER TABLE users RENAME COLUMN bio TO bio_old; ALTER TABLE users DROP COLUMN bio_old;')).toEqual([
      { kind: 'column', schema: 'public', table: 'users', column: 'bio', reason: 'DROP COLUMN', qualified: false },
    ]);
  });
  it('a column of a renamed table, renamed then dropped', () => {
    expect(
      destroyed(
        'ALTER TABLE public.users RENAME TO people; ALTER TABLE people RENAME COLUMN bio TO about; ALTER TABLE people DROP COLUMN about',
      ),
    ).toEqual([{ kind: 'column', schema: 'public', table: 'users', column: 'bio', reason: 'DROP COLUMN', qualified: true }]);
  });
  it('objects created in the migration never appear, renamed or not', () => {
    expect(
      destroyed(
        'CREATE TABLE t (a int); ALTER TABLE t RENAME TO u; ALTER TABLE u RENAME COLUMN a TO b; ALTER TABLE u DROP COLUMN b; DROP TABLE u',
      ),
    ).toEqual([]);
    expect(
      destroyed('ALTER TABLE users ADD COLUMN tmp text; ALTER TABLE users RENAME COLUMN tmp TO tmp2; ALTER TABLE users DROP COLUMN tmp2'),
    ).toEqual([]);
  });
});

describe('search_path', () => {
  it('SET search_path in the migration: unqualified names are recorded as unqualified, with that path', () => {
    expect(destroyed('SET search_path TO archive; DROP TABLE users CASCADE;')).toEqual([
      {
        kind: 'table',
        schema: 'archive',
        table: 'users',
        reason: 'DROP TABLE CASCADE',
        cascade: true,
        qualified: false,
        searchPath: ['archive'],
      },
    ]);
  });
  it('qualified names stay qualified; RESET forgets the path', () => {
    const d = destroyed('SET search_path = archive, "Public"; DROP TABLE public.users; RESET search_path; DROP TABLE users');
    expect(d[0]).toEqual({ kind: 'table', schema: 'public', table: 'users', reason: 'DROP TABLE', qualified: true });
    expect(d[1]).toEqual({ kind: 'table', schema: 'public', table: 'users', reason: 'DROP TABLE', qualified: false });
  });
  it("set_config('search_path', ...) is a search_path change", () => {
    expect(destroyed("SELECT set_config('search_path', 'archive, public', false); DROP TABLE users")[0]).toMatchObject({
      schema: 'archive',
      qualified: false,
      searchPath: ['archive', 'public'],
    });
  });
  it('the session carries the path to the next migration', () => {
    const session = { searchPath: null as string[] | null };
    classify('SET search_path TO archive', session);
    expect(session.searchPath).toEqual(['archive']);
    expect(classify('DROP TABLE users', session)[0]!.destroys[0]).toMatchObject({ schema: 'archive', searchPath: ['archive'] });
  });
  it('parses search_path values', () => {
    expect(parseSearchPath('"$user", public')).toEqual(['$user', 'public']);
    expect(parseSearchPath('"My ""S""",b ,  C')).toEqual(['My "S"', 'b', 'c']);
  });
});

describe('DML anywhere', () => {
  it('a data-modifying CTE destroys rows', () => {
    const [c] = classify('WITH d AS (DELETE FROM "posts" RETURNING 1) SELECT count(*) FROM d;');
    expect(c!.class).toBe('destructive');
    expect(c!.destroys).toEqual([{ kind: 'rows', schema: 'public', table: 'posts', reason: 'DELETE without WHERE', qualified: false }]);
  });
  it('CTEs in UPDATE/INSERT, EXPLAIN ANALYZE, PREPARE/EXECUTE', () => {
    expect(destroyed('WITH x AS (UPDATE users SET name = NULL RETURNING id) INSERT INTO log SELECT id FROM x')).toMatchObject([
      { kind: 'column', table: 'users', column: 'name' },
    ]);
    expect(destroyed('EXPLAIN ANALYZE DELETE FROM posts')).toMatchObject([{ kind: 'rows', table: 'posts' }]);
    expect(destroyed('EXPLAIN DELETE FROM posts')).toEqual([]);
    expect(destroyed('PREPARE p AS DELETE FROM posts; EXECUTE p')).toMatchObject([{ kind: 'rows', table: 'posts' }]);
  });
  it('modifies lists planned row changes on existing tables', () => {
    const all = classify(`UPDATE users SET a = 1 WHERE id > 3; INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET x = 1;
      INSERT INTO t2 VALUES (1) ON CONFLICT DO NOTHING; DELETE FROM archive.x WHERE y; CREATE TABLE n (id int); DELETE FROM n WHERE id = 1`);
    expect(all.flatMap((c) => c.modifies)).toEqual([
      { schema: 'public', table: 'users', qualified: false },
      { schema: 'public', table: 't', qualified: false },
      { schema: 'archive', table: 'x', qualified: true },
    ]);
  });
});

describe('DO blocks and PL/pgSQL', () => {
  it('sees into DO blocks, constant EXECUTE strings included', () => {
    expect(destroyed("DO $$ BEGIN EXECUTE 'TRUNCATE posts'; END $$;")).toMatchObject([
      { kind: 'rows', table: 'posts', reason: 'TRUNCATE' },
    ]);
    expect(destroyed('DO $$ BEGIN DROP TABLE archive.users; END $$')).toEqual([
      { kind: 'table', schema: 'archive', table: 'users', reason: 'DROP TABLE', qualified: true },
    ]);
    expect(
      destroyed(
        'DO $$ DECLARE n int; BEGIN SELECT count(*) INTO n FROM a; IF n > 0 THEN DELETE FROM posts; ELSE UPDATE b SET c = 1; END IF; END $$',
      ),
    ).toMatchObject([
      { kind: 'rows', table: 'posts' },
      { kind: 'column', table: 'b', column: 'c' },
    ]);
    expect(destroyed('DO $$ BEGIN PERFORM 1; EXCEPTION WHEN others THEN DELETE FROM posts; END $$')).toMatchObject([
      { kind: 'rows', table: 'posts' },
    ]);
  });
  it('dynamic EXECUTE of a computed string is opaque, hence destructive', () => {
    const [c] = classify("DO $$ BEGIN EXECUTE 'TRUNCATE ' || quote_ident('posts'); END $$;");
    expect(c!.class).toBe('destructive');
    expect(c!.opaque).toBe(true);
    expect(c!.destroys).toEqual([{ kind: 'opaque', schema: '', name: 'EXECUTE', reason: 'dynamic EXECUTE of a computed string' }]);
    expect(describeDestroyed(c!.destroys[0]!)).toBe('dynamic EXECUTE of a computed string: EXECUTE');
  });
  it("drizzle-kit's FK wrapper is the ADD FOREIGN KEY it holds, not opaque", () => {
    const [c] = classify(
      'DO $$ BEGIN\n ALTER TABLE "posts" ADD CONSTRAINT "posts_user_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;',
    );
    expect(c!.opaque).toBe(false);
    expect(c!.destroys).toEqual([]);
    expect(c!.class).toBe('locking');
    expect(c!.lock.level).toBe('SHARE ROW EXCLUSIVE');
    expect(c!.summary).toContain('ADD CONSTRAINT posts_user_fk FOREIGN KEY REFERENCES public.users');
  });
  it('calls: builtins are safe, user functions and CALL opaque, functions defined in the migration inlined', () => {
    expect(classify("SELECT now(), lower('x'), pg_catalog.upper('y'), gen_random_uuid()")[0]!.class).toBe('safe');
    expect(classify('SELECT my_fn()')[0]!.destroys).toEqual([
      { kind: 'opaque', schema: '', name: 'my_fn()', reason: 'call of a function dbctl cannot see into' },
    ]);
    expect(classify('CALL app.cleanup()')[0]!.opaque).toBe(true);
    expect(classify('INSERT INTO t SELECT archive_rows(1)')[0]!.opaque).toBe(true);
    expect(
      destroyed('CREATE FUNCTION cleanup() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DELETE FROM posts; END $$; SELECT cleanup();'),
    ).toMatchObject([{ kind: 'rows', table: 'posts' }]);
    expect(destroyed('CREATE PROCEDURE p() LANGUAGE sql AS $$ TRUNCATE posts $$; CALL p();')).toMatchObject([
      { kind: 'rows', table: 'posts' },
    ]);
    expect(
      destroyed('CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC DELETE FROM posts; SELECT 1; END; SELECT f();'),
    ).toMatchObject([{ kind: 'rows', table: 'posts' }]);
    expect(classify('CREATE FUNCTION r() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM r(); END $$; SELECT r()')[1]!.class).toBe(
      'safe',
    );
    expect(classify('CREATE FUNCTION py() RETURNS void LANGUAGE plpython3u AS $$ pass $$; SELECT py()')[1]!.opaque).toBe(true);
  });
  it('a DO block in another language, or one that does not parse, is opaque', () => {
    expect(classify('DO LANGUAGE plv8 $$ x $$')[0]!.opaque).toBe(true);
    expect(classify('DO $$ BEGIN FOR r IN SELECT 1 LOOP END LOOP; END $$')[0]!.opaque).toBe(true);
  });
  it('without the parser a DO block is opaque (fail closed)', () => {
    const [c] = classifyStatements(parser.parseAll('DO $$ BEGIN NULL; END $$'));
    expect(c!.opaque).toBe(true);
  });
});

describe('CASCADE', () => {
  it('DROP TYPE / DOMAIN CASCADE is a destroyed type with cascade', () => {
    expect(destroyed('DROP TYPE "mood" CASCADE; DROP DOMAIN public.posint CASCADE')).toEqual([
      { kind: 'type', schema: 'public', name: 'mood', reason: 'DROP TYPE CASCADE', cascade: true, qualified: false },
      { kind: 'type', schema: 'public', name: 'posint', reason: 'DROP DOMAIN CASCADE', cascade: true, qualified: true },
    ]);
  });
  it('DROP COLUMN CASCADE, DROP FUNCTION CASCADE, DROP OWNED', () => {
    expect(destroyed('ALTER TABLE t DROP COLUMN c CASCADE')[0]).toMatchObject({ kind: 'column', cascade: true });
    expect(destroyed('DROP FUNCTION f CASCADE')[0]).toMatchObject({ kind: 'other', name: 'f', cascade: true });
    expect(destroyed('DROP FUNCTION f')).toEqual([]);
    expect(classify('DROP OWNED BY app')[0]!.opaque).toBe(true);
  });
});
