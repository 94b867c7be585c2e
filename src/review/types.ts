/**
 * Shapes of the review engine: rules, their context, and the report (the contract's
 * `review --format json` document, with a few added fields).
 */
import type { StatementClass, StatementClassification } from '../core/classify.js';
import type { NodeBody, NodeKind } from '../sql/ast.js';
import type { MigrationStatement } from '../sql/migration.js';
import type { SchemaKnowledge } from './knowledge.js';

/** Severity of a finding. */
export type Severity = 'error' | 'warning';

/** A user's per-rule setting (dbctl.config `review.rules`). */
export type RuleSeverityOverride = Severity | 'off';

/** A rule's documentation: what goes wrong, and the safe alternative. */
export interface RuleDocs {
  /** What the rule catches and why it hurts, one or two sentences. */
  problem: string;
  /** The safe alternative, spelled out step by step. */
  fix: string;
}

/** What a rule reports for one statement. */
export interface RuleFinding {
  /** What is wrong, naming the table/column. */
  message: string;
  /** The safe multi-step alternative for this case; defaults to the rule's `docs.fix`. */
  fix?: string;
  /** A node `location` (offset in the statement's parse input) to put the caret under. */
  at?: number;
  /** Replaces the rule's severity for this finding (e.g. depends on `appliedByDbctl`). */
  severity?: Severity;
  /** The qualified table the hazard is about (for size facts); defaults to the statement's first locked table. */
  table?: string;
}

/**
 * A statement's kind with its typed body: testing `stmt.kind === 'RenameStmt'` makes `stmt.node`
 * a `Pg.RenameStmt` (the parser's JSON as `@pgsql/types` describes it).
 */
export type TypedStatement = { [K in NodeKind]: { kind: K; node: NodeBody<K> } }[NodeKind];

/** One statement as rules see it. */
export type RuleStatement = {
  /** 0-based index in the migration. */
  index: number;
  parsed: MigrationStatement;
  classification: StatementClassification;
} & (
  | TypedStatement
  /** A statement that did not parse: `kind` is `ParseError`, `node` null. */
  | { kind: 'ParseError'; node: null }
);

/** What rules know around a statement. */
export interface RuleContext {
  migration: {
    tag: string;
    file: string;
    /** Objects drizzle's snapshots show were answered "create" (not a rename): `schema.table`, `schema.table.column`. */
    answeredCreate?: string[];
  };
  /** Every statement of the migration (rules may look ahead or back). */
  statements: RuleStatement[];
  /** Whether dbctl applies the migration (it sets lock/statement timeouts and commits after enum values). */
  appliedByDbctl: boolean;
  /** Schema knowledge from earlier migrations and from the statements before the current one. */
  knowledge: SchemaKnowledge;
  /** 0-based index of this migration among those reviewed (after the context-only ones). */
  migrationOrdinal: number;
  /** True when `table` was created by a statement before `index` in this migration. */
  isNewTable(table: string, index: number): boolean;
  /** True when statement `index` runs inside an explicit BEGIN ... COMMIT written in the file. */
  inExplicitTransaction(index: number): boolean;
}

/** A review rule: one hazard, one module. */
export interface Rule {
  id: string;
  defaultSeverity: Severity;
  docs: RuleDocs;
  /**
   * The hazard's cost grows with the table (rewrite, scan, index build): with database facts, a
   * small table (< 10k rows) downgrades an error to a warning and a large one (> 1M rows) says so.
   */
  sizeSensitive?: boolean;
  /**
   * Rules that report the same hazard more precisely: a finding of this rule is dropped when one of
   * them reports the same statement at the same position (before suppression, after `off`).
   */
  yieldsTo?: string[];
  /** Findings are produced by the engine itself (syntax errors, directives), not by `check`. */
  engine?: boolean;
  /**
   * The statement kinds `check` can report on (`RuleStatement.kind`): the engine does not call it
   * for the others. Omitted: every statement.
   */
  kinds?: readonly string[];
  check(stmt: RuleStatement, ctx: RuleContext): RuleFinding | RuleFinding[] | undefined | void;
}

/** Row and size estimates of the live database's tables (`schema.table` keys). */
export interface ReviewFacts {
  tables: Record<string, { rows: number; bytes: number }>;
}

/** A migration to review. */
export interface ReviewMigrationInput {
  tag: string;
  /** Path shown in reports (relative to the project). */
  file: string;
  sql: string;
  /**
   * Objects this migration adds that drizzle's snapshots show drizzle-kit was told are new (its
   * rename question answered "create"): `schema.table` and `schema.table.column`. A function is
   * called once, the first time a rule asks (reading the snapshots only where a rename is suspected).
   */
  answeredCreate?: string[] | (() => string[]);
}

/** Input of `reviewMigrations`. */
export interface ReviewInput {
  migrations: ReviewMigrationInput[];
  /** Per-rule severity override or `off`. */
  rules?: Record<string, RuleSeverityOverride>;
  /**
   * dbctl applies these migrations (default true): timeouts are set, enum values committed,
   * CONCURRENTLY run outside the transaction. false (`review.appliedBy: 'drizzle-kit'`) reports
   * those hazards too.
   */
  appliedByDbctl?: boolean;
  facts?: ReviewFacts;
  /**
   * Earlier migrations (already written, not under review), in order: read only to learn the
   * schema (column types, validated CHECKs, table columns); never reported.
   */
  context?: { tag: string; sql: string }[];
}

/** The size estimate attached to a finding when facts were given. */
export interface FindingEstimate {
  table: string;
  rows: number;
  bytes: number;
}

/** One finding in the report. */
export interface ReviewFinding {
  rule: string;
  severity: Severity;
  message: string;
  fix: string;
  /** 1-based line in the file of the offending clause (or of the directive). */
  line?: number;
  /** 1-based column of the offending clause. */
  column?: number;
  estimate?: FindingEstimate;
}

/** One statement in the report. */
export interface ReviewStatement {
  /** 0-based index within the migration. */
  index: number;
  /** 1-based line of the statement's first character in the file. */
  line: number;
  /** 1-based column of the statement's first character. */
  column: number;
  sql: string;
  class: StatementClass;
  findings: ReviewFinding[];
  /** Lock description (see `describeLock`). */
  lock: string;
  /** false: dbctl runs it outside a transaction. */
  transactional: boolean;
  summary: string;
}

/** One migration in the report. */
export interface ReviewMigration {
  tag: string;
  file: string;
  statements: ReviewStatement[];
  /** Findings not tied to a statement (a directive in a file without statements). */
  findings?: ReviewFinding[];
}

/** The review report: the contract's JSON shape. */
export interface ReviewReport {
  migrations: ReviewMigration[];
  summary: { errors: number; warnings: number };
}
