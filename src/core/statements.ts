/**
 * Splitting a drizzle migration file into statements, exactly where drizzle-orm splits it
 * (`--> statement-breakpoint`), keeping each statement's position for messages.
 */

import { lineLocator, splitMigration, STATEMENT_BREAKPOINT } from '../sql/migration.js';

/** drizzle-kit's statement separator. */
export { STATEMENT_BREAKPOINT };

/** One executable chunk of a migration file. */
export interface MigrationStatement {
  /** 0-based index among the file's non-empty statements. */
  index: number;
  /** The text drizzle would send, unchanged. */
  sql: string;
  /** 1-based line in the file of the chunk's first non-blank character. */
  line: number;
  /** Character offset of `sql` within the file text. */
  offset: number;
}

/**
 * Splits a migration file as drizzle-orm does, with the one splitter every consumer uses
 * (`splitMigration` in sql/migration.ts). Chunks that are only whitespace are dropped (drizzle
 * sends them as empty queries, which do nothing); everything else is kept byte for byte. Linear in
 * the file's size.
 */
export function splitStatements(text: string): MigrationStatement[] {
  const statements: MigrationStatement[] = [];
  const positionOf = lineLocator(text);
  for (const chunk of splitMigration(text)) {
    const leading = chunk.text.length - chunk.text.trimStart().length;
    if (leading === chunk.text.length) continue;
    statements.push({ index: statements.length, sql: chunk.text, line: positionOf(chunk.offset + leading).line, offset: chunk.offset });
  }
  return statements;
}

/** 1-based line number of a character offset in `text`. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The line of `text` containing `offset`, and the column (0-based) of `offset` within it. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number; lineText: string } {
  const start = text.lastIndexOf('\n', Math.max(0, offset - 1)) + 1;
  const endIndex = text.indexOf('\n', offset);
  const end = endIndex === -1 ? text.length : endIndex;
  return { line: lineAt(text, start), column: offset - start, lineText: text.slice(start, end).replace(/\r$/, '') };
}
