/**
 * Classifies each executable chunk of a migration (a drizzle "statement", which may hold several
 * SQL statements) from the one classification table, for the apply engine, dry runs and guards.
 * Pure: the parser is handed in.
 */
import type { MigrationStatement } from './statements.js';
import type { StatementExecution } from './segments.js';
import { classifyStatements, type DestroyedObject, type StatementClass, type StatementClassification } from './classify.js';
import type { ParsedStatement, SqlParser } from '../sql/parser.js';

/** A chunk with what it does and how it must run. */
export interface AnalyzedChunk extends StatementExecution {
  index: number;
  line: number;
  sql: string;
  /** The most severe class of its statements. */
  class: StatementClass;
  classifications: StatementClassification[];
  destroys: DestroyedObject[];
  /** The parser's message when the chunk does not parse (PostgreSQL will say more when it runs). */
  parseError: string | null;
}

const SEVERITY: Record<StatementClass, number> = { safe: 0, locking: 1, destructive: 2 };

/** Parses and classifies every chunk, with context across the whole migration. */
export function analyzeMigration(parser: SqlParser, statements: readonly MigrationStatement[]): AnalyzedChunk[] {
  const parsed: ParsedStatement[] = [];
  const owner: number[] = [];
  const parseErrors = new Map<number, string>();
  statements.forEach((statement, chunk) => {
    const result = parser.parse(statement.sql);
    if ('error' in result) {
      parseErrors.set(chunk, result.error.message);
      return;
    }
    for (const stmt of result.statements) {
      parsed.push(stmt);
      owner.push(chunk);
    }
  });
  const classes = parsed.length > 0 ? classifyStatements(parsed) : [];
  return statements.map((statement, chunk) => {
    const mine = classes.filter((_, i) => owner[i] === chunk);
    const worst = mine.reduce<StatementClass>((acc, c) => (SEVERITY[c.class] > SEVERITY[acc] ? c.class : acc), 'safe');
    return {
      index: statement.index,
      line: statement.line,
      sql: statement.sql,
      class: worst,
      classifications: mine,
      destroys: mine.flatMap((c) => c.destroys),
      // a chunk runs as one unit: outside a transaction if any part must, committed if any part needs it
      transactional: mine.every((c) => c.transactional),
      commitAfter: mine.some((c) => c.commitAfter),
      parseError: parseErrors.get(chunk) ?? null,
    };
  });
}
