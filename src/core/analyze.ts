/**
 * THE analysis of a migration: one splitter (`splitMigration`), one parse (`parseMigration`), one
 * classification (core/classify) that knows what earlier statements and earlier migrations
 * created. Every consumer reads it: migrate (apply engine, dry run, guards, backup planning), push,
 * check and review (review/engine.ts). Pure: the parser is handed in.
 *
 * Linear in the number of statements; a large file (a data migration) is parsed piece by piece,
 * and the statement trees the caller does not keep are dropped as soon as they are classified.
 */
import type { MigrationStatement as Chunk } from './statements.js';
import type { StatementExecution } from './segments.js';
import { Classifier, type DestroyedObject, type ModifiedTable, type StatementClass, type StatementClassification } from './classify.js';
import { STATEMENT_BREAKPOINT, eachMigrationStatement, type MigrationStatement, type ParsedMigration } from '../sql/migration.js';
import type { SqlParser } from '../sql/parser.js';
import { SchemaKnowledge } from '../review/knowledge.js';
import { plpgsqlItems } from './classify/plpgsql.js';
import { shiftLocations } from '../sql/ast.js';

/** A chunk with what it does and how it must run. */
export interface AnalyzedChunk extends StatementExecution {
  /** 0-based index among the file's non-empty drizzle chunks (what the apply engine runs). */
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
  /** The parser's message when (part of) the chunk does not parse (PostgreSQL will say more when it runs). */
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

/** One migration analysed: its statements as parsed, their classifications, and its chunks. */
export interface MigrationAnalysis {
  /** The file as parsed statements (review reads the nodes; see `keepNodes`). */
  parsed: ParsedMigration;
  /** One per `parsed.statements` entry. */
  classifications: StatementClassification[];
  /** One per non-empty drizzle chunk. */
  chunks: AnalyzedChunk[];
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

/** How `MigrationAnalyzer.analyze` treats one migration. */
export interface AnalyzeOptions {
  /** Teach the schema knowledge this migration's statements afterwards (default true). */
  learn?: boolean;
  /** Keep the statement trees in `parsed.statements` (default true; review needs them). */
  keepNodes?: boolean;
  /** Ordinal given to `SchemaKnowledge.apply` when learning (default: the next one). */
  ordinal?: number;
}

/**
 * Analyses the migrations of one folder in order: context migrations (already applied, or before
 * those reviewed) teach the schema knowledge; each analysed migration is classified with what came
 * before it. The search_path a migration sets carries to the next one, as it does on the one
 * connection migrate applies them on.
 */
export class MigrationAnalyzer {
  /** What the migrations seen so far made of the schema (column types, NOT NULL checks). */
  readonly knowledge: SchemaKnowledge;
  private readonly session: { searchPath: string[] | null } = { searchPath: null };
  private ordinal = 0;

  constructor(
    readonly parser: SqlParser,
    options: { knowledge?: SchemaKnowledge } = {},
  ) {
    this.knowledge = options.knowledge ?? new SchemaKnowledge();
  }

  /** Learns from a migration that is not analysed (applied already, or context of a review). */
  learn(sql: string, ordinal = this.ordinal - 1): void {
    eachMigrationStatement(sql, this.parser, (statement) => {
      if (statement.node) this.knowledge.apply(statement.kind, statement.node[statement.kind], ordinal);
    });
  }

  /** Parses and classifies one migration file. */
  analyze(sql: string, options: AnalyzeOptions = {}): MigrationAnalysis {
    const ordinal = options.ordinal ?? this.ordinal;
    this.ordinal = Math.max(this.ordinal, ordinal + 1);
    const classifier = new Classifier({
      parser: this.parser,
      session: this.session,
      columnType: (table, column) => this.knowledge.columnType(table, column),
      indexColumnsNotNull: (_table, index) => this.knowledge.indexColumnsNotNull(index),
    });
    const classifications: StatementClassification[] = [];
    const statements: MigrationStatement[] = [];
    const learned: MigrationStatement[] = [];
    // One statement at a time: classified, then its tree dropped (or compacted) before the next is
    // parsed, so memory follows what is kept, not the file's size.
    const setTransaction = new Set<number>(); // statements that set the transaction's isolation or snapshot
    const { chunks, positionOf } = eachMigrationStatement(sql, this.parser, (statement) => {
      if (setsTransaction(statement)) setTransaction.add(statements.length);
      classifications.push(classifier.next(statement));
      // Learned after the whole migration is classified (its classification knows the schema
      // before it; its own changes are tracked by the classifier).
      const learns = options.learn !== false && statement.node !== null && LEARNED_KINDS.has(statement.kind);
      if (learns) learned.push(statement);
      if (options.keepNodes === false) {
        if (!learns) statement.node = null;
      } else compactValues(statement);
      statements.push(statement);
    });
    classifier.finish();
    for (const statement of learned) {
      this.knowledge.apply(statement.kind, statement.node[statement.kind], ordinal);
      if (options.keepNodes === false) statement.node = null;
    }
    const parsed: ParsedMigration = { chunks, statements, positionOf };
    return { parsed, classifications, chunks: chunksOf(parsed, classifications, setTransaction) };
  }
}

/** The statement kinds `SchemaKnowledge.apply` learns from (the others' trees can go at once). */
const LEARNED_KINDS = new Set(['CreateStmt', 'AlterTableStmt', 'RenameStmt', 'DropStmt']);

/** Rows of an INSERT ... VALUES kept in the tree: the rest only cost memory (no rule reads them). */
const KEPT_VALUE_ROWS = 0;

/**
 * Keeps the first row of a long INSERT ... VALUES list only: a data migration's statements stay
 * small in memory while review holds them all. Classification has already seen every row.
 */
function compactValues(statement: MigrationStatement): void {
  if (statement.kind !== 'InsertStmt') return;
  const select = statement.node?.InsertStmt?.selectStmt?.SelectStmt;
  if (Array.isArray(select?.valuesLists) && select.valuesLists.length > KEPT_VALUE_ROWS)
    select.valuesLists = select.valuesLists.slice(0, KEPT_VALUE_ROWS);
}

/** Groups the classifications by drizzle chunk (in one pass). */
function chunksOf(
  parsed: ParsedMigration,
  classifications: readonly StatementClassification[],
  setTransaction: ReadonlySet<number> = new Set(),
): AnalyzedChunk[] {
  const ordinalOf = new Map<number, number>();
  const chunks: AnalyzedChunk[] = [];
  for (const chunk of parsed.chunks) {
    const leading = chunk.text.length - chunk.text.trimStart().length;
    if (leading === chunk.text.length) continue;
    ordinalOf.set(chunk.index, chunks.length);
    chunks.push({
      index: chunks.length,
      line: parsed.positionOf(chunk.offset + leading).line,
      sql: chunk.text,
      class: 'safe',
      classifications: [],
      destroys: [],
      modifies: [],
      opaque: false,
      transactional: true,
      commitAfter: false,
      parseError: null,
    });
  }
  parsed.statements.forEach((statement: MigrationStatement, i) => {
    const chunk = chunks[ordinalOf.get(statement.chunk) ?? -1];
    if (!chunk) return;
    const c = classifications[i]!;
    chunk.classifications.push(c);
    if (SEVERITY[c.class] > SEVERITY[chunk.class]) chunk.class = c.class;
    for (const d of c.destroys) chunk.destroys.push({ ...d, statementIndex: chunk.index });
    for (const m of c.modifies) chunk.modifies.push({ ...m, statementIndex: chunk.index });
    if (c.opaque) chunk.opaque = true;
    // a chunk runs as one unit: outside a transaction if any part must, committed if any part needs it
    if (!c.transactional) chunk.transactional = false;
    if (c.commitAfter) chunk.commitAfter = true;
    if (chunk.classifications.length === 1 && setTransaction.has(i)) chunk.beforeAnyQuery = true;
    if (statement.kind === 'ParseError' && chunk.parseError === null) chunk.parseError = statement.error?.message ?? 'syntax error';
  });
  markRedundantControl(chunks);
  return chunks;
}

/**
 * drizzle-kit runs a whole migration in one transaction, so its users get `CREATE INDEX
 * CONCURRENTLY` through by ending that transaction first (`COMMIT;--> statement-breakpoint`) and,
 * often, opening one again after it (`BEGIN;`). dbctl runs such statements outside a transaction by
 * itself: a plain COMMIT alone in its chunk right before a chunk that runs outside one, and a plain
 * BEGIN alone in its chunk right after one, mark boundaries dbctl draws anyway. They are flagged
 * (chunk and classification) and not run. Any other transaction control stays what it is.
 */
function markRedundantControl(chunks: AnalyzedChunk[]): void {
  chunks.forEach((chunk, k) => {
    const only = chunk.classifications.length === 1 ? chunk.classifications[0]! : undefined;
    const neighbour = only?.control === 'commit' ? chunks[k + 1] : only?.control === 'begin' ? chunks[k - 1] : undefined;
    if (!only || !neighbour || neighbour.transactional || neighbour.redundantControl) return;
    chunk.redundantControl = true;
    only.redundantControl = true;
  });
}

/**
 * Analyses one migration given as its chunks (the folder's `statements`, or a push plan), with no
 * earlier migrations as context: the chunks are joined as drizzle-kit writes them and analysed
 * like a file. Each result keeps its input chunk's `index` and `line`.
 */
export function analyzeMigration(
  parser: SqlParser,
  statements: readonly Chunk[],
  analyzer = new MigrationAnalyzer(parser),
): AnalyzedChunk[] {
  const live = statements.filter((s) => s.sql.trim() !== '');
  // on lines of its own, as drizzle-kit writes it: `--> statement-breakpoint` is also an SQL line
  // comment, which would otherwise swallow the statement after it
  const text = live.map((s) => s.sql).join(`\n${STATEMENT_BREAKPOINT}\n`);
  const { chunks } = analyzer.analyze(text, { keepNodes: false });
  return chunks.map((chunk, k) => {
    const source = live[k];
    if (!source) return chunk;
    const index = source.index;
    return {
      ...chunk,
      index,
      line: source.line,
      sql: source.sql,
      destroys: chunk.destroys.map((d) => ({ ...d, statementIndex: index })),
      modifies: chunk.modifies.map((m) => ({ ...m, statementIndex: index })),
    };
  });
}

/**
 * Analyses the pending migrations of a folder for migrate: every other migration of the folder
 * (those applied) teaches the schema first, in folder order; then the pending ones are analysed in
 * the order they will run, each knowing the ones before it.
 */
export function analyzePendingMigrations<M extends { text: string }>(
  parser: SqlParser,
  folder: readonly M[],
  pending: readonly M[],
): AnalyzedChunk[][] {
  const analyzer = new MigrationAnalyzer(parser);
  const waiting = new Set(pending);
  for (const migration of folder) if (!waiting.has(migration)) analyzer.learn(migration.text);
  return pending.map((migration) => analyzer.analyze(migration.text, { keepNodes: false }).chunks);
}

/**
 * The one SQL statement a `DO` block runs, when that is all it runs: drizzle-kit ≤ 0.30 wrapped
 * every foreign key in `DO $$ BEGIN ALTER TABLE ... ADD CONSTRAINT ...; EXCEPTION WHEN
 * duplicate_object THEN null; END $$;`. Its tree's locations are moved to where the statement sits
 * in the DO block's parse input (so carets point into the file); null for any other statement.
 */
export function innerStatementOf(parser: SqlParser, statement: MigrationStatement): { kind: string; node: unknown } | null {
  if (statement.kind !== 'DoStmt' || !statement.node) return null;
  const plpgsql = parser.parsePlpgsql(statement.text);
  if ('error' in plpgsql || plpgsql.functions.length !== 1) return null;
  const items = plpgsqlItems(plpgsql.functions[0]);
  const only = items[0];
  if (items.length !== 1 || only?.kind !== 'sql') return null;
  const parsed = parser.parse(only.text);
  if ('error' in parsed || parsed.statements.length !== 1) return null;
  const inner = parsed.statements[0]!;
  const at = statement.text.indexOf(only.text);
  shiftLocations(inner.node, at >= 0 ? statement.location + at : Number.NaN);
  return { kind: inner.kind, node: inner.node[inner.kind] };
}

/** `SET TRANSACTION ...` (isolation level, access mode, snapshot): only before any query of its transaction. */
function setsTransaction(statement: MigrationStatement): boolean {
  if (statement.kind !== 'VariableSetStmt') return false;
  const name = String((statement.node as { VariableSetStmt?: { name?: unknown } } | null)?.VariableSetStmt?.name ?? '');
  return name === 'TRANSACTION' || name === 'TRANSACTION SNAPSHOT';
}
