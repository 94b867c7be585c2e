/**
 * A drizzle migration file as statements: drizzle-kit writes one SQL file per migration, its
 * statements separated by `--> statement-breakpoint` (an SQL comment, so the file still parses),
 * and drizzle's migrator runs each separated chunk as one query.
 */
import type { ParsedStatement, SqlParser } from './parser.js';

/** The separator drizzle-kit writes between statements (split on exactly as drizzle does). */
export const STATEMENT_BREAKPOINT = '--> statement-breakpoint';

/** One breakpoint-separated chunk of a migration file. */
export interface MigrationChunk {
  /** 0-based chunk index. */
  index: number;
  /** String offset of the chunk in the file. */
  offset: number;
  text: string;
}

/** A parsed statement placed in its migration file. */
export interface MigrationStatement extends ParsedStatement {
  /** Index of the drizzle chunk holding it. */
  chunk: number;
  /**
   * File offset of the text this statement was parsed from (0 when the whole file was parsed at
   * once, else its chunk's offset): a node `location` L is at file offset `baseOffset + L`.
   */
  baseOffset: number;
  /** File offset of the statement's first character (`baseOffset + location`). */
  offset: number;
  /** 1-based line of the statement's first character in the file. */
  line: number;
  /** 1-based column of the statement's first character. */
  column: number;
}

/** A migration file as parsed statements, with a position helper. */
export interface ParsedMigration {
  chunks: MigrationChunk[];
  statements: MigrationStatement[];
  /** 1-based line and column of a file offset. */
  positionOf(offset: number): { line: number; column: number };
}

/** Splits a migration file into its drizzle chunks (empty chunks included, as drizzle does). */
export function splitMigration(sql: string): MigrationChunk[] {
  const chunks: MigrationChunk[] = [];
  let offset = 0;
  let index = 0;
  for (;;) {
    const next = sql.indexOf(STATEMENT_BREAKPOINT, offset);
    const end = next === -1 ? sql.length : next;
    chunks.push({ index: index++, offset, text: sql.slice(offset, end) });
    if (next === -1) return chunks;
    offset = next + STATEMENT_BREAKPOINT.length;
  }
}

/** Returns a function giving the 1-based line and column of a string offset in `text`. */
export function lineLocator(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

/** Files up to this size are first parsed in one call (the breakpoints are SQL comments). */
export const WHOLE_FILE_CHARS = 1024 * 1024;

/**
 * Parses a migration file. Never throws: text that does not parse becomes a `ParseError`
 * statement, and the other chunks are still parsed.
 *
 * The whole file is parsed in one call when it is small, parses, and every statement stays inside
 * one drizzle chunk (the breakpoints are SQL comments); otherwise each chunk is parsed on its own,
 * as drizzle's migrator will run it (a large chunk piece by piece, see `SqlParser.parseEach`).
 */
export function parseMigration(sql: string, parser: SqlParser): ParsedMigration {
  const statements: MigrationStatement[] = [];
  const { chunks, positionOf } = eachMigrationStatement(sql, parser, (statement) => statements.push(statement));
  return { chunks, statements, positionOf };
}

/**
 * `parseMigration` one statement at a time, in order, in memory bounded by the largest piece: the
 * caller may drop each statement's tree once `visit` has used it.
 */
export function eachMigrationStatement(
  sql: string,
  parser: SqlParser,
  visit: (statement: MigrationStatement) => void,
): { chunks: MigrationChunk[]; positionOf: (offset: number) => { line: number; column: number } } {
  const chunks = splitMigration(sql);
  const positionOf = lineLocator(sql);
  const place = (parsed: ParsedStatement, chunk: number, baseOffset: number): MigrationStatement => {
    const offset = baseOffset + parsed.location;
    const { line, column } = positionOf(offset);
    // written out, not `{ ...parsed }`: a spread is slow in code that runs too briefly to be optimized
    const { node, kind, location, length, text, error } = parsed;
    return error === undefined
      ? { node, kind, location, length, text, chunk, baseOffset, offset, line, column }
      : { node, kind, location, length, text, error, chunk, baseOffset, offset, line, column };
  };
  if (chunks.length > 1 && sql.length <= WHOLE_FILE_CHARS) {
    const whole = parser.parse(sql);
    if ('statements' in whole) {
      const placed: MigrationStatement[] = [];
      let chunk = 0;
      let fits = true;
      for (const parsed of whole.statements) {
        while (chunk + 1 < chunks.length && chunks[chunk + 1]!.offset <= parsed.location) chunk++;
        const current = chunks[chunk]!;
        if (parsed.location + parsed.length > current.offset + current.text.length) {
          fits = false; // a statement running over a breakpoint: drizzle would run two broken halves
          break;
        }
        placed.push(place(parsed, chunk, 0));
      }
      if (fits) {
        for (const statement of placed) visit(statement);
        return { chunks, positionOf };
      }
    }
  }
  for (const chunk of chunks) parser.parseEach(chunk.text, (parsed) => visit(place(parsed, chunk.index, chunk.offset)));
  return { chunks, positionOf };
}
