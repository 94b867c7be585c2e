/**
 * The parser module: loaded once, string offsets for non-ASCII SQL, errors with positions,
 * lenient parsing that isolates broken statements, drizzle migration splitting.
 */
import { describe, expect, it } from 'vitest';
import { loadSqlParser, sqlParserLoadCount } from '../../../src/sql/parser.js';
import { parseMigration, splitMigration } from '../../../src/sql/migration.js';

describe('loadSqlParser', () => {
  it('loads the WASM module once and returns the same parser', async () => {
    const [a, b] = await Promise.all([loadSqlParser(), loadSqlParser()]);
    expect(a).toBe(b);
    expect(await loadSqlParser()).toBe(a);
    expect(sqlParserLoadCount()).toBe(1);
  });
});

describe('parse', () => {
  it('returns statements with kind, location, length and text', async () => {
    const parser = await loadSqlParser();
    const sql = 'SELECT 1;\n-- note\nALTER TABLE "users" ADD COLUMN "x" text;  \n';
    const result = parser.parse(sql);
    if (!('statements' in result)) throw new Error('expected statements');
    expect(result.statements.map((s) => s.kind)).toEqual(['SelectStmt', 'AlterTableStmt']);
    expect(result.statements[1]!.text).toBe('ALTER TABLE "users" ADD COLUMN "x" text');
    expect(sql.slice(result.statements[1]!.location, result.statements[1]!.location + result.statements[1]!.length)).toBe(
      result.statements[1]!.text,
    );
    expect(result.statements[1]!.node.AlterTableStmt.relation.relname).toBe('users');
  });

  it('converts UTF-8 byte offsets to string offsets (accents, CJK, emoji)', async () => {
    const parser = await loadSqlParser();
    const sql = `INSERT INTO t VALUES ('é日😀'); ALTER TABLE "tést" ADD COLUMN "naïve" text;`;
    const result = parser.parse(sql);
    if (!('statements' in result)) throw new Error('expected statements');
    const alter = result.statements[1]!;
    expect(alter.text).toBe('ALTER TABLE "tést" ADD COLUMN "naïve" text');
    expect(sql.slice(alter.location, alter.location + alter.length)).toBe(alter.text);
    const relationAt = alter.node.AlterTableStmt.relation.location;
    expect(sql.slice(relationAt, relationAt + 6)).toBe('"tést"');
    const columnAt = alter.node.AlterTableStmt.cmds[0].AlterTableCmd.def.ColumnDef.location;
    expect(sql.slice(columnAt, columnAt + 7)).toBe('"naïve"');
  });

  it('keeps the offsets of statements before the first non-ASCII character and converts those after', async () => {
    const parser = await loadSqlParser();
    const sql = `ALTER TABLE "users" ADD COLUMN "plain" text;\nINSERT INTO t VALUES ('日本');\nALTER TABLE "users" ADD COLUMN "after" text;`;
    const result = parser.parse(sql);
    if (!('statements' in result)) throw new Error('expected statements');
    const [before, insert, after] = result.statements;
    for (const [statement, column] of [
      [before!, '"plain"'],
      [after!, '"after"'],
    ] as const) {
      expect(sql.slice(statement.location, statement.location + statement.length)).toBe(statement.text);
      const columnAt = statement.node.AlterTableStmt.cmds[0].AlterTableCmd.def.ColumnDef.location;
      expect(sql.slice(columnAt, columnAt + column.length)).toBe(column);
    }
    const constantAt = insert!.node.InsertStmt.selectStmt.SelectStmt.valuesLists[0].List.items[0].A_Const.location;
    expect(sql.slice(constantAt, constantAt + 4)).toBe(`'日本'`);
  });

  it('reports errors with a string offset', async () => {
    const parser = await loadSqlParser();
    const sql = `SELECT '😀é' FROM WHERE`;
    const result = parser.parse(sql);
    if (!('error' in result)) throw new Error('expected an error');
    expect(result.error.message).toContain('syntax error at or near "WHERE"');
    expect(sql.slice(result.error.position)).toBe('WHERE');
  });

  it('accepts empty and comment-only input', async () => {
    const parser = await loadSqlParser();
    expect(parser.parse('')).toEqual({ statements: [] });
    expect(parser.parse('  \n\t')).toEqual({ statements: [] });
    expect(parser.parse('-- nothing here\n/* nor here */')).toEqual({ statements: [] });
  });

  it('never throws on garbage', async () => {
    const parser = await loadSqlParser();
    for (const sql of ["'unterminated", '$$', ')))', 'SELECT \u0000', '\uFFFF']) {
      expect(() => parser.parse(sql)).not.toThrow();
      expect(() => parser.parseAll(sql)).not.toThrow();
    }
  });
});

describe('parseAll', () => {
  it('isolates a broken statement between good ones', async () => {
    const parser = await loadSqlParser();
    const sql = `SELECT 1;\nSELEC 'x;y';\nSELECT 'é';`;
    const statements = parser.parseAll(sql);
    expect(statements.map((s) => s.kind)).toEqual(['SelectStmt', 'ParseError', 'SelectStmt']);
    expect(statements[1]!.text).toBe(`SELEC 'x;y'`);
    expect(sql.slice(statements[1]!.error!.position)).toMatch(/^SELEC/);
    expect(statements[2]!.text).toBe(`SELECT 'é'`);
    const constant = statements[2]!.node.SelectStmt.targetList[0].ResTarget.val.A_Const.location;
    expect(sql.slice(constant, constant + 3)).toBe(`'é'`);
  });

  it('keeps an unlexable text as one error', async () => {
    const parser = await loadSqlParser();
    const statements = parser.parseAll(`SELECT 1; SELECT 'open`);
    expect(statements).toHaveLength(1);
    expect(statements[0]!.kind).toBe('ParseError');
  });
});

describe('drizzle migration files', () => {
  it('splits on --> statement-breakpoint exactly like drizzle', () => {
    const chunks = splitMigration('A;--> statement-breakpoint\nB;\n--> statement-breakpoint\nC;');
    expect(chunks.map((c) => c.text)).toEqual(['A;', '\nB;\n', '\nC;']);
    expect(chunks[2]!.offset).toBe('A;--> statement-breakpoint\nB;\n--> statement-breakpoint'.length);
  });

  it('gives each statement its 1-based line and column in the file', async () => {
    const parser = await loadSqlParser();
    const sql =
      'CREATE TABLE "a" (\n\t"id" bigint\n);\n--> statement-breakpoint\nCREATE TABLE "b" ("id" bigint);--> statement-breakpoint\n\n\nSELECT 1; SELECT 2;';
    const migration = parseMigration(sql, parser);
    expect(migration.statements.map((s) => [s.line, s.column])).toEqual([
      [1, 1],
      [5, 1],
      [8, 1],
      [8, 11],
    ]);
    expect(migration.statements.map((s) => s.chunk)).toEqual([0, 1, 2, 2]);
    const b = migration.statements[1]!;
    const at = b.node.CreateStmt.relation.location;
    expect(sql.slice(b.baseOffset + at, b.baseOffset + at + 3)).toBe('"b"');
  });

  it('parses chunk by chunk when a statement would run over a breakpoint, as drizzle runs them', async () => {
    const parser = await loadSqlParser();
    const sql = `ALTER TABLE "users" ADD COLUMN "a" text\n--> statement-breakpoint\nDEFAULT 'x';`;
    const migration = parseMigration(sql, parser);
    expect(migration.statements.map((s) => [s.kind, s.chunk])).toEqual([
      ['AlterTableStmt', 0],
      ['ParseError', 1],
    ]);
    expect(migration.statements[1]!.line).toBe(3);
  });

  it('parses a valid file in one call and places statements in their chunks', async () => {
    const parser = await loadSqlParser();
    const sql = 'SELECT 1;--> statement-breakpoint\nSELECT 2; SELECT 3;--> statement-breakpoint\nSELECT 4;';
    const migration = parseMigration(sql, parser);
    expect(migration.statements.map((s) => [s.chunk, s.baseOffset])).toEqual([
      [0, 0],
      [1, 0],
      [1, 0],
      [2, 0],
    ]);
  });
});
