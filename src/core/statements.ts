/**
 * Splitting a drizzle migration file into statements, exactly where drizzle-orm splits it
 * (`--> statement-breakpoint`), keeping each statement's position for messages.
 */

/** drizzle-kit's statement separator. */
export const STATEMENT_BREAKPOINT = '--> statement-breakpoint';

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
 * Splits a migration file as drizzle-orm does. Chunks that are only whitespace are dropped (drizzle
 * sends them as empty queries, which do nothing); everything else is kept byte for byte.
 */
export function splitStatements(text: string): MigrationStatement[] {
  const statements: MigrationStatement[] = [];
  let offset = 0;
  for (const chunk of text.split(STATEMENT_BREAKPOINT)) {
    const leading = chunk.length - chunk.trimStart().length;
    if (chunk.trim() !== '') {
      statements.push({
        index: statements.length,
        sql: chunk,
        line: lineAt(text, offset + leading),
        offset,
      });
    }
    offset += chunk.length + STATEMENT_BREAKPOINT.length;
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
