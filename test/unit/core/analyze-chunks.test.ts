/**
 * analyzeMigration over chunks given one by one (push plans, fix and replay): each chunk is
 * classified as itself, also when the chunk before it ends without a newline.
 */
import { describe, expect, it } from 'vitest';
import { analyzeMigration } from '../../../src/core/analyze.js';
import { loadSqlParser } from '../../../src/sql/parser.js';

describe('analyzeMigration over separate chunks', () => {
  it('keeps every chunk apart: CREATE INDEX CONCURRENTLY after another statement still runs outside a transaction', async () => {
    const parser = await loadSqlParser();
    const sql = [
      'DROP INDEX IF EXISTS "public"."users_name_uidx";',
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "users_name_uidx" ON "users" ("name");',
      'DELETE FROM "users";',
    ];
    const chunks = analyzeMigration(
      parser,
      sql.map((text, index) => ({ index, sql: text, line: index + 1, offset: 0 })),
    );
    expect(chunks.map((c) => [c.index, c.sql, c.transactional])).toEqual([
      [0, sql[0], true],
      [1, sql[1], false],
      [2, sql[2], true],
    ]);
    expect(chunks[2]!.class).toBe('destructive');
  });
});
