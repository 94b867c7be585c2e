/**
 * The review engine: parses each migration with the real PostgreSQL parser, classifies its
 * statements (core/classify), runs every registered rule over them with migration context,
 * applies suppression directives, per-rule severity settings and database size facts, and returns
 * the contract's report. Pure: the caller loads the parser and reads the files.
 */
import { describeLock } from '../core/classify.js';
import { MigrationAnalyzer, innerStatementOf } from '../core/analyze.js';
import { unwrap } from '../sql/ast.js';
import type { ParsedMigration } from '../sql/migration.js';
import type { SqlParser } from '../sql/parser.js';
import { findDirectives, type IgnoreDirective } from './directives.js';
import { SchemaKnowledge } from './knowledge.js';
import { RULES } from './rules/index.js';
import type {
  ReviewFacts,
  ReviewFinding,
  ReviewInput,
  ReviewMigration,
  ReviewMigrationInput,
  ReviewReport,
  ReviewStatement,
  Rule,
  RuleContext,
  RuleFinding,
  RuleSeverityOverride,
  RuleStatement,
  TypedStatement,
  Severity,
} from './types.js';

export type * from './types.js';

/** Statements longer than this are shortened in the report's `sql`. */
export const MAX_REPORTED_SQL = 4000;
/** Below this row estimate a rewrite or scan is brief: errors become warnings. */
export const SMALL_TABLE_ROWS = 10_000;
/** Above this row estimate the message warns the lock will last long. */
export const LARGE_TABLE_ROWS = 1_000_000;

/** A finding before severity, suppression and position are settled. */
interface RawFinding {
  rule: Rule;
  statement: number;
  finding: RuleFinding;
  /** File offset for the caret, when known. */
  offset?: number;
}

/**
 * Reviews migrations in order (each also teaches later ones about the schema). Never throws on
 * bad SQL: a statement that does not parse is a `syntax-error` finding.
 */
export function reviewMigrations(input: ReviewInput, parser: SqlParser, rules: readonly Rule[] = RULES): ReviewReport {
  // The one analysis migrate also reads (core/analyze.ts): same splitter, same classification, same
  // knowledge of the migrations before.
  const analyzer = new MigrationAnalyzer(parser, { knowledge: new SchemaKnowledge() });
  const knowledge = analyzer.knowledge;
  const contextMigrations = input.context ?? [];
  contextMigrations.forEach((migration, k) => analyzer.learn(migration.sql, k - contextMigrations.length));
  const settings = input.rules ?? {};
  const options: EngineOptions = {
    rules,
    checked: new Map(),
    byId: new Map(rules.map((rule) => [rule.id, rule])),
    settings,
    appliedByDbctl: input.appliedByDbctl ?? true,
    facts: input.facts,
  };
  const migrations = input.migrations.map((migration, ordinal) => reviewOne(migration, ordinal, analyzer, knowledge, options));
  const summary = { errors: 0, warnings: 0 };
  for (const migration of migrations) {
    const all = [...(migration.findings ?? []), ...migration.statements.flatMap((s) => s.findings)];
    for (const finding of all) {
      if (finding.severity === 'error') summary.errors++;
      else summary.warnings++;
    }
  }
  return { migrations, summary };
}

interface EngineOptions {
  rules: readonly Rule[];
  /** By statement kind, the rules run on it (see `checkedFor`). */
  checked: Map<string, CheckedRules>;
  byId: Map<string, Rule>;
  settings: Record<string, RuleSeverityOverride>;
  appliedByDbctl: boolean;
  facts: ReviewFacts | undefined;
}

function reviewOne(
  migration: ReviewMigrationInput,
  ordinal: number,
  analyzer: MigrationAnalyzer,
  knowledge: SchemaKnowledge,
  options: EngineOptions,
): ReviewMigration {
  // Rules learn statement by statement below (each sees the knowledge before it), so the analysis
  // itself does not learn this migration.
  const { parsed, classifications } = analyzer.analyze(migration.sql, { learn: false, ordinal });
  const statements: RuleStatement[] = parsed.statements.map((p, index) => {
    // A DO block that only runs one statement (drizzle-kit ≤ 0.30's foreign-key wrapper) is
    // reviewed as that statement, as the analysis classifies it.
    const inner = p.kind === 'DoStmt' ? innerStatementOf(analyzer.parser, p) : null;
    return {
      index,
      ...typedStatement(inner?.kind ?? p.kind, inner ? inner.node : p.node ? unwrap(p.node, p.kind) : null),
      parsed: p,
      classification: classifications[index]!,
    };
  });

  const createdAt = new Map<string, number>();
  classifications.forEach((c, index) => {
    for (const created of c.creates) {
      if (created.kind === 'table' && created.name && !createdAt.has(`${created.schema}.${created.name}`)) {
        createdAt.set(`${created.schema}.${created.name}`, index);
      }
    }
  });
  const inTransaction = explicitTransactions(statements, options.appliedByDbctl);
  const ctx: RuleContext = {
    migration: migrationFacts(migration),
    statements,
    appliedByDbctl: options.appliedByDbctl,
    knowledge,
    migrationOrdinal: ordinal,
    isNewTable: (table, index) => (createdAt.get(table) ?? Infinity) < index,
    inExplicitTransaction: (index) => inTransaction[index] ?? false,
  };

  const raw: RawFinding[] = [];
  /** Statements some rule reported as an error (before suppression): their hazard is named. */
  const reviewed = new Set<number>();
  for (const statement of statements) {
    if (statement.kind === 'ParseError') {
      const rule = options.byId.get('syntax-error');
      const error = statement.parsed.error;
      if (rule && error) {
        raw.push({
          rule,
          statement: statement.index,
          finding: { message: `${error.message} (the statement cannot be reviewed or applied)` },
          offset: statement.parsed.baseOffset + error.position,
        });
      }
    } else {
      const { rules, off: offs } = checkedFor(statement.kind, options);
      for (let r = 0; r < rules.length; r++) {
        const rule = rules[r]!;
        // a rule set to `off` still runs: what it would report counts as reviewed for the generic
        // unreviewed-lock / unreviewed-destruction findings (the user chose to accept that hazard)
        const off = offs[r]!;
        const result = rule.check(statement, ctx);
        if (!result) continue; // most rules say nothing about most statements: nothing allocated for them
        const findings = Array.isArray(result) ? result : [result];
        for (const finding of findings) {
          if (off) {
            if ((finding.severity ?? rule.defaultSeverity) === 'error') reviewed.add(statement.index);
            continue;
          }
          const offset = finding.at !== undefined && finding.at >= 0 ? statement.parsed.baseOffset + finding.at : undefined;
          raw.push({ rule, statement: statement.index, finding, offset });
        }
      }
    }
    knowledge.apply(statement.kind, statement.node, ordinal);
  }

  for (const item of raw) if ((item.finding.severity ?? item.rule.defaultSeverity) === 'error') reviewed.add(item.statement);
  raw.push(...unreviewedFindings(statements, reviewed, options));
  const directives = findDirectives(migration.sql, parsed.statements);
  const kept = applyDirectives(dropRepeats(dropYielded(raw)), directives, statements.length, options);

  const reported: ReviewStatement[] = statements.map((statement) => ({
    index: statement.index,
    line: statement.parsed.line,
    column: statement.parsed.column,
    sql: shorten(statement.parsed.text),
    class: statement.classification.class,
    findings: [],
    lock: describeLock(statement.classification.lock),
    transactional: statement.classification.transactional,
    summary: statement.classification.summary,
  }));
  const fileFindings: ReviewFinding[] = [];
  for (const item of kept) {
    const finding = settle(item, statements, parsed, options);
    if (!finding) continue;
    if (item.statement >= 0 && reported[item.statement]) reported[item.statement]!.findings.push(finding);
    else fileFindings.push(finding);
  }
  for (const statement of reported) statement.findings.sort(compareFindings);
  const out: ReviewMigration = { tag: migration.tag, file: migration.file, statements: reported };
  if (fileFindings.length > 0) out.findings = fileFindings.sort(compareFindings);
  return out;
}

/** The rules `check`ed on statements of one kind, in rule order, and whether each is set to `off`. */
interface CheckedRules {
  rules: Rule[];
  off: boolean[];
}

/**
 * The rules run on a statement of `kind`: not the engine's own, nor those whose `kinds` leave it
 * out (most rules look at one or two kinds: an ALTER TABLE is not shown to the enum rules).
 */
function checkedFor(kind: string, options: EngineOptions): CheckedRules {
  let checked = options.checked.get(kind);
  if (!checked) {
    const rules = options.rules.filter((rule) => !rule.engine && (!rule.kinds || rule.kinds.includes(kind)));
    checked = { rules, off: rules.map((rule) => options.settings[rule.id] === 'off') };
    options.checked.set(kind, checked);
  }
  return checked;
}

/**
 * The engine's safety net: a statement the classification calls locking or destructive on an
 * existing object that no rule reported as an error gets `unreviewed-destruction` /
 * `unreviewed-lock`, naming the lock or the data and why, so nothing blocking or destructive goes
 * unsaid (a rule set to `off` counts as reviewed).
 */
function unreviewedFindings(statements: RuleStatement[], reviewed: Set<number>, options: EngineOptions): RawFinding[] {
  const out: RawFinding[] = [];
  const destruction = options.byId.get('unreviewed-destruction');
  const lock = options.byId.get('unreviewed-lock');
  for (const statement of statements) {
    if (reviewed.has(statement.index) || statement.kind === 'ParseError') continue;
    const c = statement.classification;
    if (c.class === 'destructive' && destruction && options.settings[destruction.id] !== 'off') {
      const what = c.destroys.map(describeDestroyed).join('; ');
      out.push({
        rule: destruction,
        statement: statement.index,
        finding: { message: `${c.summary} destroys data no other rule reports: ${what}.` },
      });
    } else if (c.class === 'locking' && lock && options.settings[lock.id] !== 'off') {
      out.push({
        rule: lock,
        statement: statement.index,
        finding: {
          message: `${c.summary}: ${describeLock(c.lock)}. No specific rule covers this statement.`,
          table: c.lock.tables.find((t) => !c.newTables.includes(t)),
        },
      });
    }
  }
  return out;
}

/** "column public.users.email (DROP COLUMN)". */
function describeDestroyed(d: RuleStatement['classification']['destroys'][number]): string {
  const where = d.column
    ? `column ${d.schema}.${d.table}.${d.column}`
    : d.table
      ? `${d.kind === 'rows' ? 'the rows of' : String(d.kind)} ${d.schema}.${d.table}`
      : `${String(d.kind)} ${[d.schema, d.name].filter(Boolean).join('.')}`;
  return `${where} (${d.reason})`;
}

/**
 * One hazard, one finding: the same rule reporting the same message twice on a statement (a rule
 * that looks at every statement of the migration, e.g.) keeps the first.
 */
function dropRepeats(raw: RawFinding[]): RawFinding[] {
  const seen = new Set<string>();
  return raw.filter((item) => {
    const key = `${item.statement}\u0000${item.rule.id}\u0000${item.finding.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Drops findings whose rule yields to another rule reporting the same statement and position. */
function dropYielded(raw: RawFinding[]): RawFinding[] {
  const key = (statement: number, rule: string, offset: number | undefined) => `${statement}:${rule}:${offset ?? ''}`;
  const present = new Set(raw.map((item) => key(item.statement, item.rule.id, item.offset)));
  return raw.filter((item) => !(item.rule.yieldsTo ?? []).some((id) => present.has(key(item.statement, id, item.offset))));
}

/** For each statement, whether it runs inside an explicit BEGIN ... COMMIT of the file. */
function explicitTransactions(statements: RuleStatement[], appliedByDbctl: boolean): boolean[] {
  let open = false;
  return statements.map((statement) => {
    if (statement.kind !== 'TransactionStmt') return open;
    // dbctl does not run a COMMIT / BEGIN that only marks where it ends or opens a transaction anyway
    if (appliedByDbctl && statement.classification.redundantControl) return open;
    const kind: string = statement.node?.kind ?? '';
    if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') {
      open = true;
      return false;
    }
    if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK' || kind === 'TRANS_STMT_PREPARE') {
      const was = open;
      open = false;
      return was;
    }
    return open;
  });
}

/**
 * Drops findings suppressed by directives, and adds `unknown-rule` / `unused-ignore` findings for
 * directives naming unknown rules or suppressing nothing.
 */
function applyDirectives(raw: RawFinding[], directives: IgnoreDirective[], statementCount: number, options: EngineOptions): RawFinding[] {
  const used = new Set<string>(); // `${directiveIndex}:${ruleId}`
  // Directives by the statement they precede (file-wide ones apart): each finding looks only at
  // its own statement's, so the cost stays linear in findings + directives.
  const fileWide: number[] = [];
  const byStatement = new Map<number, number[]>();
  directives.forEach((directive, d) => {
    if (directive.scope === 'file') fileWide.push(d);
    else {
      const list = byStatement.get(directive.statement);
      if (list) list.push(d);
      else byStatement.set(directive.statement, [d]);
    }
  });
  const suppressedBy = (item: RawFinding): boolean => {
    let suppressed = false;
    const check = (d: number) => {
      if (!directives[d]!.rules.includes(item.rule.id)) return;
      used.add(`${d}:${item.rule.id}`);
      suppressed = true;
    };
    // in directive order, as before: file-wide and statement ones interleaved by index
    const mine = byStatement.get(item.statement);
    if (!mine) fileWide.forEach(check);
    else if (fileWide.length === 0) mine.forEach(check);
    else [...fileWide, ...mine].sort((a, b) => a - b).forEach(check);
    return suppressed;
  };
  const kept = raw.filter((item) => !suppressedBy(item));

  const extra: RawFinding[] = [];
  const unknownRule = options.byId.get('unknown-rule');
  const unusedIgnore = options.byId.get('unused-ignore');
  directives.forEach((directive, d) => {
    // Attach to the statement it precedes, else the file's last statement, else the file.
    const statement = directive.statement >= 0 ? directive.statement : statementCount - 1;
    const form = directive.scope === 'file' ? 'dbctl-ignore-file' : 'dbctl-ignore';
    if (directive.rules.length === 0 && unknownRule) {
      extra.push({
        rule: unknownRule,
        statement,
        offset: directive.offset,
        finding: {
          message: `\`-- ${form}\` names no rule id`,
          fix: `Write \`-- ${form} rule-id: reason\` with an id from the rule table in the README.`,
        },
      });
    }
    for (const id of directive.rules) {
      if (!options.byId.has(id)) {
        if (unknownRule) {
          const close = closestRuleId(id, [...options.byId.keys()]);
          extra.push({
            rule: unknownRule,
            statement,
            offset: directive.offset,
            finding: {
              message: `\`-- ${form} ${id}\` names an unknown rule${close ? ` (did you mean \`${close}\`?)` : ''}`,
              fix: close ? `Write \`-- ${form} ${close}\`.` : 'Use a rule id from the rule table in the README.',
            },
          });
        }
        continue;
      }
      if (used.has(`${d}:${id}`) || options.settings[id] === 'off') continue;
      if (unusedIgnore) {
        const where =
          directive.scope === 'file' ? 'in this file' : directive.statement >= 0 ? 'on the next statement' : '(no statement follows it)';
        extra.push({
          rule: unusedIgnore,
          statement,
          offset: directive.offset,
          finding: {
            message: `\`-- ${form} ${id}\` suppresses nothing: \`${id}\` reports nothing ${where}`,
            fix: 'Remove the directive (or move it to the line right before the statement it is meant for).',
          },
        });
      }
    }
  });
  // Directive findings obey `off` and file-level ignores of their own ids too.
  const extraKept = extra.filter((item) => options.settings[item.rule.id] !== 'off' && !suppressedBy(item));
  return [...kept, ...extraKept];
}

/** Turns a raw finding into the reported one: severity, facts, position, fix. */
function settle(item: RawFinding, statements: RuleStatement[], parsed: ParsedMigration, options: EngineOptions): ReviewFinding | null {
  const setting = options.settings[item.rule.id];
  if (setting === 'off') return null;
  let severity: Severity = setting ?? item.finding.severity ?? item.rule.defaultSeverity;
  let message = item.finding.message;
  let estimate: ReviewFinding['estimate'];
  const statement = statements[item.statement];
  if (item.rule.sizeSensitive && options.facts && statement) {
    const lock = statement.classification.lock;
    const table = item.finding.table ?? lock.tables.find((t) => !statement.classification.newTables.includes(t)) ?? lock.tables[0];
    const fact = table ? options.facts.tables[table] : undefined;
    if (table && fact && Number.isFinite(fact.rows) && fact.rows >= 0) {
      estimate = { table, rows: Math.round(fact.rows), bytes: fact.bytes };
      if (fact.rows < SMALL_TABLE_ROWS) {
        if (severity === 'error') severity = 'warning';
        message += ` ${table} is small (~${formatCount(fact.rows)} rows, ${formatBytes(fact.bytes)}), so the lock should be brief.`;
      } else if (fact.rows > LARGE_TABLE_ROWS) {
        message += ` ${table} is large (~${formatCount(fact.rows)} rows, ${formatBytes(fact.bytes)}): expect the lock to last minutes or longer.`;
      } else {
        message += ` ${table} has ~${formatCount(fact.rows)} rows (${formatBytes(fact.bytes)}).`;
      }
    }
  }
  const finding: ReviewFinding = { rule: item.rule.id, severity, message, fix: item.finding.fix ?? item.rule.docs.fix };
  if (item.offset !== undefined) {
    const position = parsed.positionOf(item.offset);
    finding.line = position.line;
    finding.column = position.column;
  } else if (statement) {
    finding.line = statement.parsed.line;
  }
  if (estimate) finding.estimate = estimate;
  return finding;
}

function compareFindings(a: ReviewFinding, b: ReviewFinding): number {
  if (a.severity !== b.severity) return a.severity === 'error' ? -1 : 1;
  if ((a.line ?? 0) !== (b.line ?? 0)) return (a.line ?? 0) - (b.line ?? 0);
  if ((a.column ?? 0) !== (b.column ?? 0)) return (a.column ?? 0) - (b.column ?? 0);
  // rule ids are ASCII: a code-unit comparison, not localeCompare (whose collator costs ~15 ms to set up)
  return a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0;
}

function shorten(sql: string): string {
  if (sql.length <= MAX_REPORTED_SQL) return sql;
  return `${sql.slice(0, MAX_REPORTED_SQL)}\n... (${sql.length - MAX_REPORTED_SQL} more characters)`;
}

/** 1234567 → "1.2M", 15300 → "15k", 120 → "120". */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1).replace(/\.0$/, '')}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1).replace(/\.0$/, '')}M`;
  if (n >= 1e4) return `${Math.round(n / 1e3)}k`;
  return String(Math.round(n));
}

/** 16384 → "16 kB", 3.2e9 → "3.0 GB". */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value >= 10 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** A problem with the per-rule settings of dbctl.config (`review.rules`). */
export interface RuleSettingProblem {
  rule: string;
  message: string;
}

/**
 * Checks a `review.rules` map: unknown rule ids (with the closest known id) and values other than
 * `error`, `warning`, `off`. The config loader decides whether a problem is fatal.
 */
export function validateRuleSettings(settings: Record<string, unknown>, rules: readonly Rule[] = RULES): RuleSettingProblem[] {
  const ids = rules.map((rule) => rule.id);
  const problems: RuleSettingProblem[] = [];
  for (const [id, value] of Object.entries(settings)) {
    if (!ids.includes(id)) {
      const close = closestRuleId(id, ids);
      problems.push({ rule: id, message: `review.rules names an unknown rule \`${id}\`${close ? ` (did you mean \`${close}\`?)` : ''}` });
    } else if (value !== 'error' && value !== 'warning' && value !== 'off') {
      problems.push({ rule: id, message: `review.rules.${id} must be "error", "warning" or "off" (got ${JSON.stringify(value)})` });
    }
  }
  return problems;
}

/**
 * The parser's (kind, body) pair as rules read it: `kind` names the body's type (`ParseError` with
 * a null body for text that did not parse). The one cast between the parser and the rules: the
 * parser keys every body by its node type, which is what `TypedStatement` says.
 */
function typedStatement(kind: string, node: unknown): TypedStatement | { kind: 'ParseError'; node: null } {
  return { kind, node } as TypedStatement | { kind: 'ParseError'; node: null };
}

/** The registered rule id closest to a misspelt one (edit distance ≤ 3), if any. */
function closestRuleId(id: string, ids: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of ids) {
    const d = editDistance(id, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** What rules know of the migration itself; `answeredCreate` given as a function is asked on first use, once. */
function migrationFacts(migration: ReviewMigrationInput): RuleContext['migration'] {
  const { tag, file, answeredCreate: given } = migration;
  if (typeof given !== 'function') return { tag, file, ...(given ? { answeredCreate: given } : {}) };
  let answered: string[] | undefined;
  return {
    tag,
    file,
    get answeredCreate() {
      answered ??= given();
      return answered;
    },
  };
}
