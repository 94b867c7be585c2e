/**
 * The analysis at scale (not timed): 20,000 statements are analysed and reviewed, and a large
 * data migration is parsed piece by piece with the same statements, positions and classes as a
 * whole-text parse.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MigrationAnalyzer, analyzePendingMigrations } from '../../../src/core/analyze.js';
import { reviewMigrations } from '../../../src/review/engine.js';
import { parseMigration } from '../../../src/sql/migration.js';
import { loadSqlParser, PIECE_CHARS, type ParsedStatement, type SqlParser } from '../../../src/sql/parser.js';

let parser: SqlParser;
beforeAll(async () => {
  parser = await loadSqlParser();
});

function manyStatements(n: number): string {
  const out: string[] = ['CREATE TABLE "t0" ("id" bigint PRIMARY KEY, "name" text, "parent_id" bigint);'];
  for (let i = 1; i < n; i++) {
    const k = i % 5;
    if (k === 0) out.push(`CREATE TABLE "t${i}" ("id" bigint PRIMARY KEY, "name" text, "parent_id" bigint);`);
    else if (k === 1) out.push(`ALTER TABLE "users" ADD COLUMN "c${i}" text;`);
    else if (k === 2) out.push(`CREATE INDEX "i${i}" ON "t${i - 2}" USING btree ("name");`);
    else if (k === 3) out.push(`ALTER TABLE "users" DROP COLUMN "old_${i}";`);
    else out.push(`INSERT INTO "t${i - 4}" ("id", "name") VALUES (${i}, 'x${i}');`);
  }
  return out.join('\n--> statement-breakpoint\n');
}

describe('20,000 statements', () => {
  it('are analysed (migrate) and reviewed, one chunk per statement, with one answer', () => {
    const sql = manyStatements(20_000);
    const [chunks] = analyzePendingMigrations(parser, [{ text: sql }], [{ text: sql }]);
    expect(chunks).toHaveLength(20_000);
    expect(chunks!.filter((c) => c.class === 'destructive')).toHaveLength(4_000);
    expect(chunks![19_998]!.destroys).toEqual([
      {
        kind: 'column',
        schema: 'public',
        table: 'users',
        column: 'old_19998',
        reason: 'DROP COLUMN',
        qualified: false,
        statementIndex: 19_998,
      },
    ]);
    const report = reviewMigrations({ migrations: [{ tag: '0000_big', file: 'drizzle/0000_big.sql', sql }] }, parser);
    expect(report.migrations[0]!.statements).toHaveLength(20_000);
    expect(report.migrations[0]!.statements.map((s) => s.class)).toEqual(chunks!.map((c) => c.class));
  });
});

describe('a large data migration', () => {
  /** INSERTs with semicolons, quotes and dollar quotes inside literals, in one chunk. */
  function dataMigration(bytes: number): string {
    const parts: string[] = ['CREATE TABLE IF NOT EXISTS "big" ("id" bigint PRIMARY KEY, "note" text);'];
    let size = 0;
    for (let i = 0; size < bytes; i++) {
      const note = i % 3 === 0 ? `'semi; colon ''quoted''; ${i}'` : i % 3 === 1 ? `$q$dollar; $$ ${i};\n$q$` : `E'esc\\'; ${i}'`;
      const s = `INSERT INTO "big" ("id", "note") VALUES (${i}, ${note}), (${-i - 1}, 'é ünïcödé ${i}');${i % 7 === 0 ? ' -- trailing; comment' : ''}`;
      parts.push(s);
      size += s.length + 1;
    }
    parts.push('DELETE FROM "posts";');
    return parts.join('\n');
  }

  it('parses piece by piece into exactly the statements of a whole parse', () => {
    const sql = dataMigration(PIECE_CHARS * 3.5);
    const whole = parser.parse(sql);
    if ('error' in whole) throw new Error(whole.error.message);
    const pieces: ParsedStatement[] = [];
    parser.parseEach(sql, (s) => pieces.push(s));
    expect(pieces.length).toBe(whole.statements.length);
    const shape = (s: ParsedStatement) => [s.kind, s.location, s.length, s.text];
    expect(pieces.map(shape)).toEqual(whole.statements.map(shape));
    // node locations are relative to the whole text
    const last = pieces[pieces.length - 1]!;
    expect(last.node.DeleteStmt.relation.location).toBe(whole.statements[whole.statements.length - 1]!.node.DeleteStmt.relation.location);
  });

  it('is analysed with its trees dropped, and reviewed with its VALUES lists compacted', () => {
    const sql = dataMigration(PIECE_CHARS * 2.5);
    const analysis = new MigrationAnalyzer(parser).analyze(sql, { keepNodes: false });
    expect(analysis.chunks).toHaveLength(1);
    expect(analysis.chunks[0]!.class).toBe('destructive');
    expect(analysis.chunks[0]!.destroys).toEqual([
      { kind: 'rows', schema: 'public', table: 'posts', reason: 'DELETE without WHERE', qualified: false, statementIndex: 0 },
    ]);
    expect(analysis.parsed.statements.every((s) => s.node === null)).toBe(true);
    const kept = new MigrationAnalyzer(parser).analyze(sql);
    const insert = kept.parsed.statements[1]!;
    expect(insert.node.InsertStmt.selectStmt.SelectStmt.valuesLists).toHaveLength(0);
    expect(insert.node.InsertStmt.relation.relname).toBe('big');
    expect(parseMigration(sql, parser).statements).toHaveLength(kept.parsed.statements.length);
  });

  it('a syntax error in a large chunk is still reported where it is', () => {
    const sql = `${dataMigration(PIECE_CHARS * 1.5)}\nINSERT INTO big VALUES (1 2);\nDELETE FROM "other";`;
    const statements: ParsedStatement[] = [];
    parser.parseEach(sql, (s) => statements.push(s));
    const broken = statements.filter((s) => s.kind === 'ParseError');
    expect(broken).toHaveLength(1);
    expect(sql.slice(broken[0]!.location).startsWith('INSERT INTO big VALUES (1 2)')).toBe(true);
    expect(statements[statements.length - 1]!.kind).toBe('DeleteStmt');
  });
});
