/**
 * The replay sends consecutive transactional segments of many migrations as one query
 * (src/drizzle/live/replay.ts). It must behave as one query per segment did: each migration in its
 * own transaction, nothing after a failing migration run (a statement error, a deferred constraint
 * failing at COMMIT, a chunk whose open comment would swallow the next migration's text), the
 * failure reported for its own migration with PostgreSQL's message, the connection left idle.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { splitStatements } from '../../src/core/statements.js';
import type { LocalMigration } from '../../src/drizzle/folder.js';
import { replayMigrations } from '../../src/drizzle/live/replay.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

/** A migration of `text` (chunks split at `--> statement-breakpoint`). */
function migration(idx: number, text: string): LocalMigration {
  const tag = `${String(idx).padStart(4, '0')}_m${idx}`;
  return {
    idx,
    tag,
    when: 1_700_000_000_000 + idx,
    breakpoints: true,
    file: `/nowhere/${tag}.sql`,
    relativeFile: `drizzle/${tag}.sql`,
    text,
    hash: '',
    statements: splitStatements(text),
  };
}

async function tables(): Promise<string[]> {
  const rows = await db!.sql<{ name: string }[]>`select tablename as name from pg_tables where schemaname = 'public' order by 1`;
  return rows.map((r) => r.name);
}

/** Replays on one connection (as a scratch database's client has) and returns the error, if any. */
async function replay(migrations: LocalMigration[]): Promise<{ error: Error | undefined; idle: boolean; replayed?: string[] }> {
  const sql = (await import('postgres')).default(db!.url, { max: 1, onnotice: () => {} });
  try {
    let error: Error | undefined;
    let replayed: string[] | undefined;
    try {
      replayed = (await replayMigrations(sql, migrations, [])).replayed;
    } catch (caught) {
      error = caught as Error;
    }
    // the same session: no transaction open or failed (a query runs and commits)
    const [row] = await sql<{ xid: string | null }[]>`select pg_current_xact_id_if_assigned()::text as xid`;
    return { error, idle: row !== undefined && row.xid === null, ...(replayed ? { replayed } : {}) };
  } finally {
    await sql.end();
  }
}

describe('the replay in one query per run of transactional segments', () => {
  it('runs every migration, each committed in its own transaction, around one that cannot run in a transaction', async () => {
    db = await createTestDatabase('replay_batch');
    const result = await replay([
      migration(0, 'CREATE TABLE a (id int);'),
      migration(1, 'CREATE TABLE b (id int);\n--> statement-breakpoint\nINSERT INTO a VALUES (1);'),
      migration(2, 'CREATE INDEX CONCURRENTLY a_id ON a (id);'),
      migration(3, "CREATE TYPE mood AS ENUM ('sad');\n--> statement-breakpoint\nALTER TYPE mood ADD VALUE 'happy';"),
      migration(4, "CREATE TABLE c (m mood DEFAULT 'happy');"),
    ]);
    expect(result.error).toBeUndefined();
    expect(result.replayed).toEqual(['0000_m0', '0001_m1', '0002_m2', '0003_m3', '0004_m4']);
    expect(result.idle).toBe(true);
    expect(await tables()).toEqual(['a', 'b', 'c']);
    const [index] = await db.sql`select indisvalid from pg_index where indexrelid = 'a_id'::regclass`;
    expect(index!.indisvalid).toBe(true);
  });

  it('stops at a failing migration: the ones before it committed, its own work rolled back, none after it run; it is named', async () => {
    db = await createTestDatabase('replay_batch');
    const result = await replay([
      migration(0, 'CREATE TABLE a (id int);'),
      migration(1, 'CREATE TABLE b (id int);'),
      migration(2, 'CREATE TABLE c (id int);\n--> statement-breakpoint\nINSERT INTO missing VALUES (1);'),
      migration(3, 'CREATE TABLE d (id int);'),
      migration(4, 'CREATE TABLE e (id int);'),
    ]);
    expect(result.error?.message).toContain('cannot replay the migrations: 0002_m2 fails in the scratch database');
    expect(result.error?.message).toContain('42P01');
    expect(result.error?.message).toContain('relation "missing" does not exist');
    expect(result.idle).toBe(true);
    expect(await tables()).toEqual(['a', 'b']);
  });

  it('a migration failing at its COMMIT (a deferred constraint) stops the replay there and is named', async () => {
    db = await createTestDatabase('replay_batch');
    const result = await replay([
      migration(0, 'CREATE TABLE p (id int PRIMARY KEY);'),
      migration(
        1,
        'CREATE TABLE k (p int REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED);\n--> statement-breakpoint\nINSERT INTO k VALUES (42);',
      ),
      migration(2, 'CREATE TABLE after_it (id int);'),
    ]);
    expect(result.error?.message).toContain('0001_m1 fails in the scratch database');
    expect(result.error?.message).toContain('23503');
    expect(result.idle).toBe(true);
    expect(await tables()).toEqual(['p']);
  });

  it("a chunk with an open comment is sent on its own: it cannot swallow the next migration's text, and it is the one named", async () => {
    db = await createTestDatabase('replay_batch');
    const result = await replay([
      migration(0, 'CREATE TABLE a (id int);'),
      migration(1, 'CREATE TABLE b (id int); /* a comment left open'),
      migration(2, '*/ CREATE TABLE c (id int);'),
      migration(3, 'CREATE TABLE d (id int);'),
    ]);
    expect(result.error?.message).toContain('0001_m1 fails in the scratch database');
    expect(result.idle).toBe(true);
    expect(await tables()).toEqual(['a']);
  });

  it('a failure after a statement that ran outside a transaction is named, and nothing after it ran', async () => {
    db = await createTestDatabase('replay_batch');
    const result = await replay([
      migration(0, 'CREATE TABLE a (id int);'),
      migration(1, 'CREATE INDEX CONCURRENTLY a_id ON a (id);'),
      migration(2, 'CREATE TABLE b (id int);'),
      migration(3, 'ALTER TABLE b ADD COLUMN id int;'),
      migration(4, 'CREATE TABLE c (id int);'),
    ]);
    expect(result.error?.message).toContain('0003_m3 fails in the scratch database (statement at line 1)');
    expect(result.error?.message).toContain('42701');
    expect(result.idle).toBe(true);
    expect(await tables()).toEqual(['a', 'b']);
  });
});
