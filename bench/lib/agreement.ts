/**
 * Issue 3's findings agreement: dbctl review's findings against squawk's on the same migration
 * files, rule by rule (squawk's rule ids are dbctl's for the hazards both know). A finding is placed
 * on its statement (squawk's 0-based line falls in the statement's lines; dbctl says its statement),
 * and per statement and rule the counts are matched: both, only squawk, only dbctl. Every finding
 * one side has and the other lacks is given a reason, from what the statement does and where.
 */
import type { ReviewReport } from '../../src/review/types.js';

/**
 * squawk ids whose hazard dbctl reports under another id: counted under dbctl's id, so the same
 * finding is "both" rather than one only-squawk and one only-dbctl.
 */
export const SQUAWK_ALIASES: Record<string, string> = {
  'prefer-timestamp-tz': 'prefer-timestamptz',
  'prefer-repack': 'blocking-table-rewrite',
  'require-concurrent-reindex': 'blocking-table-rewrite',
};

/** One finding of `squawk --reporter json`. */
export interface SquawkFinding {
  file: string;
  /** 0-based. */
  line: number;
  column: number;
  level: string;
  message: string;
  rule_name: string;
}

/** One rule's line of the agreement table. */
export interface AgreementRow {
  rule: string;
  both: number;
  onlySquawk: number;
  onlyDbctl: number;
  /** Why the sides differ, with the count each reason explains; empty when they agree. */
  why: { count: number; reason: string; side: 'squawk' | 'dbctl' }[];
}

/** A statement with what the reasons need to know about it. */
interface StatementFacts {
  sql: string;
  /** The table it alters or indexes (unquoted, lower case), if any. */
  target: string | null;
  /** The target was created by an earlier statement of the same migration. */
  targetIsNew: boolean;
  /** The migration can run as one transaction (no CONCURRENTLY, no COMMIT of its own). */
  atomic: boolean;
}

const unquote = (name: string) =>
  name
    .replace(/"/g, '')
    .replace(/^public\./, '')
    .toLowerCase();

/** The facts of every statement of one migration (simple text matching: this is the bench, not the product). */
function statementFacts(statements: { sql: string }[]): StatementFacts[] {
  const created = new Set<string>();
  const atomic = !statements.some((s) => /\bconcurrently\b/i.test(s.sql) || /^\s*(commit|rollback)\b/im.test(s.sql));
  return statements.map(({ sql }) => {
    const alter = /^\s*alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?("[^"]+"(?:\."[^"]+")?|[\w.]+)/i.exec(sql);
    const index = /^\s*create\s+(?:unique\s+)?index\b[\s\S]*?\bon\s+(?:only\s+)?("[^"]+"(?:\."[^"]+")?|[\w.]+)/i.exec(sql);
    const target = alter?.[1] ?? index?.[1];
    const facts: StatementFacts = {
      sql,
      target: target ? unquote(target) : null,
      targetIsNew: target ? created.has(unquote(target)) : false,
      atomic,
    };
    const table = /^\s*create\s+table\s+(?:if\s+not\s+exists\s+)?("[^"]+"(?:\."[^"]+")?|[\w.]+)/i.exec(sql);
    if (table?.[1]) created.add(unquote(table[1]));
    return facts;
  });
}

/** squawk's rule ids (squawk_linter's registry, 2.x), after SQUAWK_ALIASES. */
const SQUAWK_RULE_IDS = new Set([
  'require-concurrent-index-creation',
  'require-concurrent-index-deletion',
  'constraint-missing-not-valid',
  'adding-field-with-default',
  'adding-foreign-key-constraint',
  'changing-column-type',
  'adding-not-nullable-field',
  'adding-serial-primary-key-field',
  'renaming-column',
  'renaming-table',
  'disallowed-unique-constraint',
  'ban-drop-database',
  'prefer-bigint-over-int',
  'prefer-bigint-over-smallint',
  'prefer-identity',
  'blocking-table-rewrite',
  'prefer-robust-stmts',
  'prefer-text-field',
  'prefer-timestamptz',
  'ban-char-field',
  'ban-drop-column',
  'ban-drop-table',
  'ban-drop-not-null',
  'transaction-nesting',
  'adding-required-field',
  'ban-concurrent-index-creation-in-transaction',
  'ban-create-domain-with-constraint',
  'ban-alter-domain-with-add-constraint',
  'ban-truncate-cascade',
  'ban-uncommitted-transaction',
  'require-enum-value-ordering',
  'require-table-schema',
  'identifier-too-long',
  'require-concurrent-partition-detach',
  'require-lock-timeout',
  'require-statement-timeout',
  'ban-duplicate-column-assignments',
]);

/** dbctl findings squawk has no counterpart for, and why dbctl reports them. */
const DBCTL_ONLY: Record<string, string> = {
  'unreviewed-lock': "dbctl's safety net: the classification says the statement blocks on an existing table and no specific rule covers it",
  'unreviewed-destruction':
    "dbctl's safety net: the classification says the statement destroys data (DROP TYPE CASCADE, DROP SEQUENCE, ...)",
  'opaque-statement': 'a DO block / CALL / user function the review cannot see into (squawk does not look inside either)',
  'lock-held-during-slow-statement': 'eugene E4: a slow statement while an earlier ACCESS EXCLUSIVE lock of the same transaction is held',
  'adding-exclusion-constraint': 'eugene E8: EXCLUDE builds its index under ACCESS EXCLUSIVE',
  'attach-partition-without-check': 'ATTACH PARTITION scans the partition under ACCESS EXCLUSIVE',
  'reused-constraint-index': 'a second USING INDEX of an index a constraint already took: the migration cannot apply',
  'renaming-enum-value': 'strong_migrations: the running application still uses the old value',
  'renaming-schema': 'strong_migrations: the running application still names the old schema',
  'prefer-jsonb': 'eugene E3: json instead of jsonb',
  'rename-as-drop-and-add': 'a drop and an add of compatible types in one migration may be an unanswered drizzle rename',
  'mutation-without-where': 'UPDATE/DELETE of every row of an existing table',
  'ban-truncate': 'TRUNCATE deletes every row (squawk only flags CASCADE)',
  'ban-drop-schema': 'DROP SCHEMA (CASCADE) deletes every object in it',
  'constraint-missing-not-valid':
    'an inline CHECK on ADD COLUMN is validated against every row (eugene E1); squawk reads only ADD CONSTRAINT',
  'adding-not-nullable-field': 'PRIMARY KEY USING INDEX over a nullable column implies SET NOT NULL (eugene W14)',
};

/** squawk findings dbctl has no rule for, and why. */
const SQUAWK_ONLY: Record<string, string> = {
  'require-table-schema': 'opt-in in squawk; drizzle-kit qualifies every table outside public itself',
  'ban-duplicate-column-assignments': 'not implemented in dbctl (PostgreSQL rejects the statement: the migration fails, it loses nothing)',
  'ban-uncommitted-transaction':
    'dbctl runs each migration in its own transaction and refuses files that end their own (transaction-nesting)',
};

/**
 * Why a finding is on one side only: per rule, from the statement's facts. The texts summarize
 * dbctl's rule docs (src/review/rules/) and squawk's behaviour on the same statements.
 */
function reasonFor(rule: string, side: 'squawk' | 'dbctl', facts: StatementFacts | undefined, squawkRules: Set<string>): string {
  const isNew = facts?.targetIsNew ?? false;
  if (side === 'dbctl' && !SQUAWK_RULE_IDS.has(rule) && !squawkRules.has(rule))
    return `squawk has no such rule${DBCTL_ONLY[rule] ? `: ${DBCTL_ONLY[rule]}` : ''}`;
  switch (rule) {
    case 'prefer-robust-stmts':
      if (side === 'squawk' && facts?.atomic) {
        return 'the migration runs as one transaction (drizzle-kit and dbctl both wrap it), so it is never left half-applied: dbctl flags missing IF [NOT] EXISTS only in non-atomic migrations, as squawk does with `--assume-in-transaction`';
      }
      break;
    case 'require-lock-timeout':
    case 'require-statement-timeout':
      if (side === 'squawk')
        return `\`dbctl migrate\` sets ${rule === 'require-lock-timeout' ? 'lock_timeout (and retries)' : 'statement_timeout'} itself, so dbctl applies this rule only to migrations applied by other tools`;
      break;
    case 'require-concurrent-index-creation':
      if (side === 'squawk' && isNew)
        return 'the index is on a table created earlier in the same migration: empty and invisible to others until commit, so no lock on an existing table (dbctl tracks objects created in the migration)';
      break;
    case 'adding-foreign-key-constraint':
      if (side === 'squawk' && isNew)
        return 'the foreign key is added to a table created earlier in the same migration: no existing rows to validate, so the locks are brief';
      break;
    case 'constraint-missing-not-valid':
      if (side === 'squawk' && isNew)
        return 'the constraint is added to a table created earlier in the same migration: no existing rows to validate';
      if (side === 'squawk' && facts && /\b(unique|primary\s+key|exclude)\b/i.test(facts.sql)) {
        return 'squawk also reports UNIQUE / PRIMARY KEY / EXCLUDE under this id, though NOT VALID does not apply to them: dbctl reports each once, as disallowed-unique-constraint / adding-serial-primary-key-field / adding-exclusion-constraint';
      }
      if (side === 'squawk' && facts && /\bforeign\s+key\b/i.test(facts.sql)) {
        return 'a FOREIGN KEY without NOT VALID is reported once by dbctl, as adding-foreign-key-constraint (squawk reports it under both ids)';
      }
      break;
    case 'prefer-bigint-over-int':
    case 'prefer-bigint-over-smallint':
      if (side === 'squawk')
        return 'the column is not id-like (no primary key, identity/serial, foreign key, or name ending in id/_count/_total): a port, a rank or a position has natural bounds, so dbctl does not ask for bigint';
      break;
    case 'adding-serial-primary-key-field':
    case 'disallowed-unique-constraint':
      if (side === 'squawk' && isNew) return 'the key is added to a table created earlier in the same migration: no rows to index';
      if (side === 'squawk' && facts && /\busing\s+index\b/i.test(facts.sql))
        return 'USING INDEX attaches an index built beforehand: a brief lock (dbctl reports a nullable PRIMARY KEY column as adding-not-nullable-field instead)';
      break;
    case 'identifier-too-long':
      if (side === 'squawk')
        return 'the name is in a statement dbctl reads differently (squawk checks every name, references included; dbctl checks the names a statement declares)';
      break;
    case 'ban-drop-column':
    case 'ban-drop-table':
      if (side === 'squawk' && isNew) return 'the object was created earlier in the same migration: nothing to lose';
      break;
    case 'changing-column-type':
      if (side === 'squawk')
        return 'the change needs no rewrite (varchar longer or to text, numeric precision up, timestamp/time/interval precision up), known from the earlier migrations';
      break;
    case 'require-enum-value-ordering':
    case 'ban-create-domain-with-constraint':
    case 'ban-alter-domain-with-add-constraint':
    case 'require-concurrent-partition-detach':
      if (side === 'squawk') return 'the object was created in the same migration or the statement differs in a way squawk does not read';
      break;
    case 'blocking-table-rewrite':
      if (side === 'squawk')
        return 'squawk flags the statement by its keywords; dbctl reads the option values (`VACUUM (FULL false)`, `REINDEX (CONCURRENTLY true)`) and what the lock blocks (REFRESH ... CONCURRENTLY blocks no reads)';
      if (side === 'dbctl')
        return 'dbctl reports REINDEX, VACUUM FULL, CLUSTER and REFRESH without CONCURRENTLY under one rule; squawk has prefer-repack / require-concurrent-reindex for some and nothing for the rest (a bare CLUSTER, REINDEX SCHEMA, REFRESH)';
      break;
    default:
      break;
  }
  if (side === 'dbctl' && DBCTL_ONLY[rule]) return DBCTL_ONLY[rule]!;
  if (side === 'squawk' && SQUAWK_ONLY[rule]) return SQUAWK_ONLY[rule]!;
  return side === 'squawk' ? 'not analysed: squawk flags it, dbctl does not' : 'not analysed: dbctl flags it, squawk does not';
}

/** The agreement table of dbctl's report and squawk's findings on the same files. */
export function agreement(report: ReviewReport, squawk: SquawkFinding[]): AgreementRow[] {
  const squawkRules = new Set(squawk.map((f) => SQUAWK_ALIASES[f.rule_name] ?? f.rule_name));
  // per file: statement start lines, facts, and per (statement, rule) the counts of each side
  const files = new Map<string, { starts: number[]; facts: StatementFacts[] }>();
  const counts = new Map<string, { rule: string; facts: StatementFacts | undefined; squawk: number; dbctl: number }>();
  const bump = (file: string, stmt: number, rule: string, side: 'squawk' | 'dbctl') => {
    const key = `${file}\u0000${stmt}\u0000${rule}`;
    const entry = counts.get(key) ?? { rule, facts: files.get(file)?.facts[stmt], squawk: 0, dbctl: 0 };
    entry[side]++;
    counts.set(key, entry);
  };
  for (const migration of report.migrations) {
    files.set(migration.file, { starts: migration.statements.map((s) => s.line), facts: statementFacts(migration.statements) });
    for (const statement of migration.statements)
      for (const f of statement.findings) bump(migration.file, statement.index, f.rule, 'dbctl');
    for (const f of migration.findings ?? []) bump(migration.file, -1, f.rule, 'dbctl');
  }
  for (const f of squawk) {
    const starts = files.get(f.file)?.starts ?? [];
    // the last statement starting at or before the finding's line (squawk counts lines from 0)
    let stmt = starts.length ? 0 : -1;
    starts.forEach((start, i) => {
      if (start <= f.line + 1) stmt = i;
    });
    bump(f.file, stmt, SQUAWK_ALIASES[f.rule_name] ?? f.rule_name, 'squawk');
  }

  const rows = new Map<string, AgreementRow>();
  for (const entry of counts.values()) {
    const row = rows.get(entry.rule) ?? { rule: entry.rule, both: 0, onlySquawk: 0, onlyDbctl: 0, why: [] };
    const both = Math.min(entry.squawk, entry.dbctl);
    row.both += both;
    for (const side of ['squawk', 'dbctl'] as const) {
      const extra = entry[side] - both;
      if (extra === 0) continue;
      if (side === 'squawk') row.onlySquawk += extra;
      else row.onlyDbctl += extra;
      const reason = reasonFor(entry.rule, side, entry.facts, squawkRules);
      const known = row.why.find((w) => w.reason === reason && w.side === side);
      if (known) known.count += extra;
      else row.why.push({ count: extra, reason, side });
    }
    rows.set(entry.rule, row);
  }
  return [...rows.values()].sort(
    (a, b) => b.both + b.onlySquawk + b.onlyDbctl - (a.both + a.onlySquawk + a.onlyDbctl) || a.rule.localeCompare(b.rule),
  );
}

/** The agreement as a markdown table. */
export function renderAgreement(rows: AgreementRow[]): string {
  const total = rows.reduce((acc, r) => ({ both: acc.both + r.both, s: acc.s + r.onlySquawk, d: acc.d + r.onlyDbctl }), {
    both: 0,
    s: 0,
    d: 0,
  });
  const why = (r: AgreementRow) =>
    r.why.length ? r.why.map((w) => `${w.count} only ${w.side}: ${w.reason}`).join('; ') : r.both ? 'same statements' : '';
  return [
    '| rule | both | only squawk | only dbctl | why they differ |',
    '| --- | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${r.rule} | ${r.both} | ${r.onlySquawk} | ${r.onlyDbctl} | ${why(r)} |`),
    `| all rules | ${total.both} | ${total.s} | ${total.d} |  |`,
  ].join('\n');
}

/** One SQL case of a folder (a file name and its text). */
export interface AgreementCase {
  file: string;
  sql: string;
}

/**
 * dbctl's report over a folder of cases, as squawk sees them: each file on its own, after the
 * folder's base migration (`0000_*.sql`, reviewed alone) as schema context. `review` is
 * `reviewMigrations` (passed in so the bench decides how dbctl is loaded).
 */
export function reviewCases(
  cases: AgreementCase[],
  review: (input: { migrations: { tag: string; file: string; sql: string }[]; context?: { tag: string; sql: string }[] }) => ReviewReport,
): ReviewReport {
  const [base, ...rest] = [...cases].sort((a, b) => a.file.localeCompare(b.file));
  if (!base) return { migrations: [], summary: { errors: 0, warnings: 0 } };
  const tag = (file: string) => file.replace(/\.sql$/, '');
  const reports = [
    review({ migrations: [{ tag: tag(base.file), file: base.file, sql: base.sql }] }),
    ...rest.map((c) =>
      review({ migrations: [{ tag: tag(c.file), file: c.file, sql: c.sql }], context: [{ tag: tag(base.file), sql: base.sql }] }),
    ),
  ];
  return {
    migrations: reports.flatMap((r) => r.migrations),
    summary: reports.reduce((acc, r) => ({ errors: acc.errors + r.summary.errors, warnings: acc.warnings + r.summary.warnings }), {
      errors: 0,
      warnings: 0,
    }),
  };
}
