/**
 * The classification table: lock levels, what is blocked, rewrites/scans, transactional=false
 * statements, destroyed objects, commitAfter for enum values, context across a migration.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { classifyStatements, describeLock, type StatementClassification } from '../../src/core/classify.js';
import { loadSqlParser, type SqlParser } from '../../src/sql/parser.js';

let parser: SqlParser;
beforeAll(async () => {
  parser = await loadSqlParser();
});

/** Classifies every statement of `sql` (one migration). */
function classify(sql: string): StatementClassification[] {
  return classifyStatements(parser.parseAll(sql));
}

/** Classifies a migration and returns its last statement's classification. */
function last(sql: string): StatementClassification {
  const all = classify(sql);
  return all[all.length - 1]!;
}

describe('lock levels and classes on existing tables', () => {
  const table: [string, string, Partial<StatementClassification['lock']>, StatementClassification['class']][] = [
    ['CREATE INDEX i ON users (email)', 'SHARE', { blocks: 'writes', scansTable: true, rewritesTable: false }, 'locking'],
    ['CREATE INDEX CONCURRENTLY i ON users (email)', 'SHARE UPDATE EXCLUSIVE', { blocks: 'nothing', scansTable: true }, 'safe'],
    [
      'ALTER TABLE users ADD COLUMN bio text',
      'ACCESS EXCLUSIVE',
      { blocks: 'reads-and-writes', rewritesTable: false, scansTable: false },
      'safe',
    ],
    [`ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free'`, 'ACCESS EXCLUSIVE', { rewritesTable: false }, 'safe'],
    ['ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()', 'ACCESS EXCLUSIVE', { rewritesTable: true }, 'locking'],
    ['ALTER TABLE users ALTER COLUMN email SET NOT NULL', 'ACCESS EXCLUSIVE', { scansTable: true }, 'locking'],
    ['ALTER TABLE users ALTER COLUMN email DROP NOT NULL', 'ACCESS EXCLUSIVE', { scansTable: false }, 'safe'],
    ['ALTER TABLE users ALTER COLUMN email SET DEFAULT 1', 'ACCESS EXCLUSIVE', { scansTable: false }, 'safe'],
    [
      'ALTER TABLE posts ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES users(id)',
      'SHARE ROW EXCLUSIVE',
      { blocks: 'writes', scansTable: true, tables: ['public.posts', 'public.users'] },
      'locking',
    ],
    [
      'ALTER TABLE posts ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES users(id) NOT VALID',
      'SHARE ROW EXCLUSIVE',
      { scansTable: false },
      'safe',
    ],
    ['ALTER TABLE posts ADD CONSTRAINT c CHECK (a > 0)', 'ACCESS EXCLUSIVE', { scansTable: true }, 'locking'],
    ['ALTER TABLE posts ADD CONSTRAINT c CHECK (a > 0) NOT VALID', 'ACCESS EXCLUSIVE', { scansTable: false }, 'safe'],
    ['ALTER TABLE posts VALIDATE CONSTRAINT c', 'SHARE UPDATE EXCLUSIVE', { blocks: 'nothing', scansTable: true }, 'safe'],
    ['ALTER TABLE posts ADD CONSTRAINT u UNIQUE (a)', 'ACCESS EXCLUSIVE', { scansTable: true }, 'locking'],
    ['ALTER TABLE posts ADD CONSTRAINT u UNIQUE USING INDEX i', 'ACCESS EXCLUSIVE', { scansTable: false }, 'safe'],
    ['ALTER TABLE posts RENAME COLUMN a TO b', 'ACCESS EXCLUSIVE', { scansTable: false }, 'safe'],
    ['ALTER TABLE posts SET TABLESPACE fast', 'ACCESS EXCLUSIVE', { rewritesTable: true }, 'locking'],
    ['VACUUM FULL posts', 'ACCESS EXCLUSIVE', { rewritesTable: true }, 'locking'],
    ['CLUSTER posts USING posts_pkey', 'ACCESS EXCLUSIVE', { rewritesTable: true }, 'locking'],
    // EXCLUSIVE leaves reads alone, and a materialized view takes no writes: nothing the application does is blocked (issue 13)
    ['REFRESH MATERIALIZED VIEW CONCURRENTLY stats', 'EXCLUSIVE', { blocks: 'nothing', scansTable: true }, 'safe'],
    ['REFRESH MATERIALIZED VIEW stats', 'ACCESS EXCLUSIVE', { blocks: 'reads-and-writes', scansTable: true }, 'locking'],
    ['LOCK TABLE posts IN SHARE MODE', 'SHARE', { blocks: 'writes', scansTable: false }, 'safe'],
    ['INSERT INTO posts (a) VALUES (1)', 'ROW EXCLUSIVE', { blocks: 'nothing' }, 'safe'],
    ['UPDATE posts SET a = 1 WHERE id = 2', 'ROW EXCLUSIVE', { blocks: 'nothing' }, 'safe'],
    ['DROP TABLE posts', 'ACCESS EXCLUSIVE', { rewritesTable: false }, 'destructive'],
    ['TRUNCATE posts', 'ACCESS EXCLUSIVE', {}, 'destructive'],
  ];
  for (const [sql, level, lock, cls] of table) {
    it(sql, () => {
      const c = last(sql);
      expect(c.lock.level).toBe(level);
      expect(c.lock).toMatchObject(lock);
      expect(c.class).toBe(cls);
    });
  }

  it('names unqualified tables in public and keeps explicit schemas', () => {
    expect(last('ALTER TABLE users ADD COLUMN a text').lock.tables).toEqual(['public.users']);
    expect(last('ALTER TABLE "billing"."Invoices" ADD COLUMN a text').lock.tables).toEqual(['billing.Invoices']);
  });
});

describe('statements that cannot run in a transaction', () => {
  const nonTransactional = [
    'CREATE INDEX CONCURRENTLY i ON t (a)',
    'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)',
    'DROP INDEX CONCURRENTLY i',
    'REINDEX INDEX CONCURRENTLY i',
    'REINDEX DATABASE app',
    'VACUUM t',
    'VACUUM (ANALYZE) t',
    'CREATE DATABASE x',
    'DROP DATABASE x',
    'ALTER SYSTEM SET work_mem = 1',
    `CREATE TABLESPACE fast LOCATION '/mnt/fast'`,
    'DROP TABLESPACE fast',
    'ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY',
    'ALTER DATABASE app SET TABLESPACE fast',
  ];
  for (const sql of nonTransactional) {
    it(`${sql} → transactional false`, () => expect(last(sql).transactional).toBe(false));
  }
  const transactional = [
    'CREATE INDEX i ON t (a)',
    'ANALYZE t',
    'REINDEX INDEX i',
    `ALTER TYPE mood ADD VALUE 'x'`,
    'ALTER DATABASE app SET timezone TO UTC',
    'BEGIN',
    'COMMIT',
  ];
  for (const sql of transactional) {
    it(`${sql} → transactional true`, () => expect(last(sql).transactional).toBe(true));
  }
});

describe('destroyed objects', () => {
  it('DROP COLUMN', () => {
    const c = last('ALTER TABLE users DROP COLUMN email');
    expect(c.class).toBe('destructive');
    expect(c.destroys).toEqual([
      { kind: 'column', schema: 'public', table: 'users', column: 'email', reason: 'DROP COLUMN', qualified: false },
    ]);
    expect(c.summary).toBe('ALTER TABLE public.users DROP COLUMN email');
  });
  it('DROP TABLE, DROP SCHEMA, DROP TYPE, TRUNCATE, DELETE and UPDATE without WHERE', () => {
    expect(last('DROP TABLE a, s.b').destroys.map((d) => `${d.kind}:${d.schema}.${d.table}`)).toEqual(['table:public.a', 'table:s.b']);
    expect(last('DROP SCHEMA audit CASCADE').destroys[0]).toMatchObject({ kind: 'schema', schema: 'audit', reason: 'DROP SCHEMA CASCADE' });
    expect(last('DROP TYPE "public"."mood"').destroys[0]).toMatchObject({ kind: 'type', schema: 'public', name: 'mood' });
    expect(last('TRUNCATE a CASCADE').destroys[0]).toMatchObject({ kind: 'rows', table: 'a', reason: 'TRUNCATE CASCADE' });
    expect(last('DELETE FROM a').destroys[0]).toMatchObject({ kind: 'rows', table: 'a', reason: 'DELETE without WHERE' });
    expect(last('UPDATE a SET x = 1, y = 2').destroys.map((d) => d.column)).toEqual(['x', 'y']);
    expect(last('DELETE FROM a WHERE id = 1').destroys).toEqual([]);
    expect(last('DROP DATABASE legacy').destroys[0]).toMatchObject({ kind: 'other', name: 'legacy' });
  });
  it('ALTER COLUMN TYPE: lossy changes destroy, widening changes do not', () => {
    const lossy = last('ALTER TABLE t ALTER COLUMN a TYPE integer USING a::integer + 1');
    expect(lossy.destroys[0]).toMatchObject({ kind: 'column', column: 'a', reason: 'ALTER COLUMN TYPE' });
    expect(lossy.class).toBe('destructive');
    const toText = last('ALTER TABLE t ALTER COLUMN a TYPE text');
    expect(toText.destroys).toEqual([]);
    expect(toText.class).toBe('locking');
    const knownWidening = classifyStatements(parser.parseAll('ALTER TABLE t ALTER COLUMN a TYPE varchar(100)'), {
      columnType: () => ({ name: 'varchar', schema: 'pg_catalog', mods: [50], array: false, display: 'varchar(50)', location: -1 }),
    })[0]!;
    expect(knownWidening.lock.rewritesTable).toBe(false);
    expect(knownWidening.class).toBe('safe');
  });
  it('a serial column is its integer type: serial → bigint widens (rewrites, keeps every value), bigserial → integer may not', () => {
    const known = (name: string) => () => ({ name, schema: undefined, mods: [], array: false, display: name, location: -1 });
    const widen = classifyStatements(parser.parseAll('ALTER TABLE t ALTER COLUMN a TYPE bigint'), { columnType: known('serial') })[0]!;
    expect(widen.destroys).toEqual([]);
    expect(widen.lock.rewritesTable).toBe(true);
    const narrow = classifyStatements(parser.parseAll('ALTER TABLE t ALTER COLUMN a TYPE integer'), { columnType: known('bigserial') })[0]!;
    expect(narrow.class).toBe('destructive');
  });
  it('a statement on objects created earlier in the migration destroys nothing and is safe', () => {
    const all = classify(`
      CREATE TABLE t (a int, b text);
      CREATE INDEX t_a ON t (a);
      ALTER TABLE t ADD CONSTRAINT u UNIQUE (b);
      ALTER TABLE t ALTER COLUMN b SET NOT NULL;
      ALTER TABLE t ALTER COLUMN a TYPE bigint;
      ALTER TABLE t DROP COLUMN b;
      UPDATE t SET a = 1;
      DROP TABLE t;
    `);
    for (const c of all) {
      expect(c.class).toBe('safe');
      expect(c.destroys).toEqual([]);
      expect(c.lock.level).toBeNull();
      expect(c.newTables).toContain('public.t');
    }
    expect(describeLock(all[1]!.lock)).toContain('created in this migration');
  });
  it('a column added earlier in the migration is not destroyed by dropping it', () => {
    const all = classify('ALTER TABLE users ADD COLUMN tmp text; ALTER TABLE users DROP COLUMN tmp');
    expect(all[1]!.destroys).toEqual([]);
  });
  it('a table renamed after its creation stays new', () => {
    const all = classify('CREATE TABLE a (x int); ALTER TABLE a RENAME TO b; CREATE INDEX ON b (x)');
    expect(all[2]!.class).toBe('safe');
  });
});

describe('commitAfter for enum values', () => {
  it('is true when a later statement uses the value', () => {
    const all = classify(`ALTER TYPE mood ADD VALUE 'meh'; ALTER TABLE users ALTER COLUMN mood SET DEFAULT 'meh'::mood`);
    expect(all[0]!.commitAfter).toBe(true);
    expect(all[1]!.commitAfter).toBe(false);
  });
  it('finds the value anywhere in a later AST', () => {
    const all = classify(`ALTER TYPE mood ADD VALUE 'meh'; SELECT 1; UPDATE users SET x = 1 WHERE mood IN ('sad', 'meh')`);
    expect(all[0]!.commitAfter).toBe(true);
  });
  it('is false when the value is not used later', () => {
    expect(classify(`ALTER TYPE mood ADD VALUE 'meh'; UPDATE users SET mood = 'sad' WHERE id = 1`)[0]!.commitAfter).toBe(false);
  });
  it('is false when the value is only used before', () => {
    expect(classify(`UPDATE users SET note = 'meh' WHERE id = 1; ALTER TYPE mood ADD VALUE 'meh'`)[1]!.commitAfter).toBe(false);
  });
  it('is false for RENAME VALUE', () => {
    expect(classify(`ALTER TYPE mood RENAME VALUE 'a' TO 'b'; SELECT 'b'`)[0]!.commitAfter).toBe(false);
  });
});

describe('creates, summaries and unparseable statements', () => {
  it('lists created objects', () => {
    const [table, index, enumType, schema] = classify(
      "CREATE TABLE s.t (a int, b text); CREATE INDEX t_a ON s.t (a); CREATE TYPE mood AS ENUM ('a'); CREATE SCHEMA x",
    );
    expect(table!.creates).toEqual([
      { kind: 'table', schema: 's', name: 't' },
      { kind: 'column', schema: 's', table: 't', name: 'a' },
      { kind: 'column', schema: 's', table: 't', name: 'b' },
    ]);
    expect(index!.creates).toEqual([{ kind: 'index', schema: 's', table: 't', name: 't_a' }]);
    expect(enumType!.creates).toEqual([{ kind: 'type', schema: 'public', name: 'mood' }]);
    expect(schema!.creates).toEqual([{ kind: 'schema', schema: 'x', name: 'x' }]);
  });
  it('a parse error is safe, transactional, and summarised', () => {
    const [c] = classify('ALTER TABLE users ADD COLUMN');
    expect(c).toMatchObject({ class: 'safe', transactional: true, commitAfter: false, destroys: [] });
    expect(c!.summary).toMatch(/^unparseable SQL: syntax error/);
  });
  it('describes locks in one sentence', () => {
    expect(describeLock(last('CREATE INDEX i ON users (a)').lock)).toBe(
      'SHARE lock on public.users: blocks writes (reads continue); scans the whole table while holding it',
    );
    expect(describeLock(last('ALTER TABLE users ADD COLUMN a text').lock)).toContain('held briefly');
    expect(describeLock(last('CREATE TABLE x (a int)').lock)).toContain('no lock on existing tables');
  });
});

describe('names the typed AST reads right (found when the rules and the table moved to @pgsql/types)', () => {
  it('CREATE TYPE s.t keeps its schema: a later DROP TYPE of public.t still destroys the existing public type', () => {
    const [, drop] = classify("CREATE TYPE s.mood AS ENUM ('a'); DROP TYPE public.mood");
    expect(drop!.destroys[0]).toMatchObject({ kind: 'type', schema: 'public', name: 'mood' });
    const [, dropNew] = classify("CREATE TYPE s.mood AS ENUM ('a'); DROP TYPE s.mood");
    expect(dropNew!.destroys).toEqual([]);
    const [, domain] = classify('CREATE DOMAIN s.pos AS int; DROP DOMAIN public.pos');
    expect(domain!.destroys[0]).toMatchObject({ kind: 'type', schema: 'public', name: 'pos' });
  });

  it('CREATE SCHEMA AUTHORIZATION r creates the schema r (a later DROP SCHEMA r destroys nothing that existed)', () => {
    const [create, drop] = classify('CREATE SCHEMA AUTHORIZATION bob; DROP SCHEMA bob');
    expect(create!.creates).toEqual([{ kind: 'schema', schema: 'bob', name: 'bob' }]);
    expect(drop!.destroys).toEqual([]);
  });
});
