/**
 * Classifies each executable chunk of a migration (a drizzle "statement", which may hold several
 * SQL statements) from the one classification table, for the apply engine, dry runs and guards.
 * Pure: the parser is handed in.
 */
import type { MigrationStatement } from './statements.js';
import type { StatementExecution } from './segments.js';
import {
  classifyStatements,
  type DestroyedObject,
  type ModifiedTable,
  type StatementClass,
  type StatementClassification,
} from './classify.js';
import type { ParsedStatement, SqlParser } from '../sql/parser.js';

/** A chunk with what it does and how it must run. */
export interface AnalyzedChunk extends StatementExecution {
  index: number;
  line: number;
  sql: string;
  /** The most severe class of its statements. */
  class: StatementClass;
  classifications: StatementClassification[];
  /** What it destroys (`statementIndex` set to this chunk's index). */
  destroys: DestroyedObject[];
  /** Tables whose rows it modifies in a planned way (UPDATE/DELETE with WHERE, upserts). */
  modifies: ModifiedTable[];
  /** Part of it cannot be seen into (dynamic EXECUTE, user function calls, CALL): destructive. */
  opaque: boolean;
  /** The parser's message when the chunk does not parse (PostgreSQL will say more when it runs). */
  parseError: string | null;
}

/** What one migration destroys, as a whole: what backups, guards and the pre-commit check read. */
export interface PlannedDestruction {
  /** Every destroyed object, in statement order (opaque ones included, `kind: 'opaque'`). */
  destroyed: DestroyedObject[];
  /** true when any chunk cannot be seen into: only PostgreSQL can say what it destroyed. */
  opaque: boolean;
  /** Tables whose rows the migration visibly modifies (planned row changes, not losses). */
  modifies: ModifiedTable[];
}

const SEVERITY: Record<StatementClass, number> = { safe: 0, locking: 1, destructive: 2 };

/** The per-migration summary of what its analyzed chunks destroy and modify. */
export function plannedDestruction(chunks: readonly AnalyzedChunk[]): PlannedDestruction {
  const destroyed: DestroyedObject[] = [];
  const modifies: ModifiedTable[] = [];
  const seen = new Set<string>();
  let opaque = false;
  for (const chunk of chunks) {
    if (chunk.opaque) opaque = true;
    for (const d of chunk.destroys) destroyed.push(d);
    for (const m of chunk.modifies) {
      const key = `${m.qualified ? 'q' : 'u'}\u0000${m.schema}\u0000${m.table}\u0000${(m.searchPath ?? []).join(',')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      modifies.push(m);
    }
  }
  return { destroyed, opaque, modifies };
}

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
  const byChunk: StatementClassification[][] = statements.map(() => []);
  classes.forEach((c, i) => byChunk[owner[i]!]!.push(c));
  return statements.map((statement, chunk) => {
    const mine = byChunk[chunk]!;
    const worst = mine.reduce<StatementClass>((acc, c) => (SEVERITY[c.class] > SEVERITY[acc] ? c.class : acc), 'safe');
    return {
      index: statement.index,
      line: statement.line,
      sql: statement.sql,
      class: worst,
      classifications: mine,
      destroys: mine.flatMap((c) => c.destroys.map((d) => ({ ...d, statementIndex: statement.index }))),
      modifies: mine.flatMap((c) => c.modifies.map((m) => ({ ...m, statementIndex: statement.index }))),
      opaque: mine.some((c) => c.opaque),
      // a chunk runs as one unit: outside a transaction if any part must, committed if any part needs it
      transactional: mine.every((c) => c.transactional),
      commitAfter: mine.some((c) => c.commitAfter),
      parseError: parseErrors.get(chunk) ?? null,
    };
  });
}
