/**
 * Issue 3's findings agreement: dbctl review's findings against squawk's on the same migration
 * files, rule by rule (squawk's rule ids are dbctl's for the hazards both know). A finding is placed
 * on its statement (squawk's 0-based line falls in the statement's lines; dbctl says its statement),
 * and per statement and rule the counts are matched: both, only squawk, only dbctl. Every finding
 * one side has and the other lacks is given a reason, from what the statement does and where.
 */
import type { ReviewReport } from '../../src/review/types.js';

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

const unquote = (name: string) => name.replace(/"/g, '').replace(/^public\./, '').toLowerCase();

/** The facts of every statement of one migration (simple text matching: this is the bench, not the product). */
function statementFacts(statements: { sql: string }[]): StatementFacts[] {
  const created = new Set<string>();
  const atomic = !statements.some((s) => /\bconcurrently\b/i.test(s.sql) || /^\s*(commit|rollback)\b/im.test(s.sql));
  return statements.map(({ sql }) => {
    const alter = /^\s*alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?("[^"]+"(?:\."[^"]+")?|[\w.]+)/i.exec(sql);
    const index = /^\s*create\s+(?:unique\s+)?index\b[\s\S]*?\bon\s+(?:only\s+)?("[^"]+"(?:\."[^"]+")?|[\w.]+)/i.exec(sql);
    const target = alter?.[1] ?? index?.[1];
    const facts: StatementFacts = { sql, target: target ? unquote(target) : null, targetIsNew: target ? created.has(unquote(target)) : false, atomic };
    const table = /^\s*create\s+table\s+(?:if\s+not\s+exists\s+)?("[^"]+"(?:\."[^"]+")?|[\w.]+)/i.exec(sql);
    if (table?.[1]) created.add(unquote(table[1]));
    return facts;
  });
}

/**
 * Why a finding is on one side only: per rule, from the statement's facts. The texts summarize
 * dbctl's rule docs (src/review/rules/) and squawk's behaviour on the same statements.
 */
function reasonFor(rule: string, side: 'squawk' | 'dbctl', facts: StatementFacts | undefined, squawkRules: Set<string>): string {
  const isNew = facts?.targetIsNew ?? false;
  if (side === 'dbctl' && !squawkRules.has(rule)) return 'squawk has no such rule';
  switch (rule) {
    case 'prefer-robust-stmts':
      if (side === 'squawk' && facts?.atomic) {
        return 'the migration runs as one transaction (drizzle-kit and dbctl both wrap it), so it is never left half-applied: dbctl flags missing IF [NOT] EXISTS only in non-atomic migrations, as squawk does with `--assume-in-transaction`';
      }
      break;
    case 'require-lock-timeout':
    case 'require-statement-timeout':
      if (side === 'squawk') return `\`dbctl migrate\` sets ${rule === 'require-lock-timeout' ? 'lock_timeout (and retries)' : 'statement_timeout'} itself, so dbctl applies this rule only to migrations applied by other tools`;
      break;
    case 'require-concurrent-index-creation':
      if (side === 'squawk' && isNew) return 'the index is on a table created earlier in the same migration: empty and invisible to others until commit, so no lock on an existing table (dbctl tracks objects created in the migration)';
      break;
    case 'adding-foreign-key-constraint':
      if (side === 'squawk' && isNew) return 'the foreign key is added to a table created earlier in the same migration: no existing rows to validate, so the locks are brief';
      break;
    case 'constraint-missing-not-valid':
      if (side === 'squawk' && isNew) return 'the constraint is added to a table created earlier in the same migration: no existing rows to validate';
      if (side === 'squawk' && facts && /\bforeign\s+key\b/i.test(facts.sql)) {
        return 'a FOREIGN KEY without NOT VALID is reported once by dbctl, as adding-foreign-key-constraint (squawk reports it under both ids)';
      }
      break;
    default:
      break;
  }
  return side === 'squawk' ? 'not analysed: squawk flags it, dbctl does not' : 'not analysed: dbctl flags it, squawk does not';
}

/** The agreement table of dbctl's report and squawk's findings on the same files. */
export function agreement(report: ReviewReport, squawk: SquawkFinding[]): AgreementRow[] {
  const squawkRules = new Set(squawk.map((f) => f.rule_name));
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
    for (const statement of migration.statements) for (const f of statement.findings) bump(migration.file, statement.index, f.rule, 'dbctl');
    for (const f of migration.findings ?? []) bump(migration.file, -1, f.rule, 'dbctl');
  }
  for (const f of squawk) {
    const starts = files.get(f.file)?.starts ?? [];
    // the last statement starting at or before the finding's line (squawk counts lines from 0)
    let stmt = starts.length ? 0 : -1;
    starts.forEach((start, i) => {
      if (start <= f.line + 1) stmt = i;
    });
    bump(f.file, stmt, f.rule_name, 'squawk');
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
  return [...rows.values()].sort((a, b) => b.both + b.onlySquawk + b.onlyDbctl - (a.both + a.onlySquawk + a.onlyDbctl) || a.rule.localeCompare(b.rule));
}

/** The agreement as a markdown table. */
export function renderAgreement(rows: AgreementRow[]): string {
  const total = rows.reduce((acc, r) => ({ both: acc.both + r.both, s: acc.s + r.onlySquawk, d: acc.d + r.onlyDbctl }), { both: 0, s: 0, d: 0 });
  const why = (r: AgreementRow) =>
    r.why.length ? r.why.map((w) => `${w.count} only ${w.side}: ${w.reason}`).join('; ') : r.both ? 'same statements' : '';
  return [
    '| rule | both | only squawk | only dbctl | why they differ |',
    '| --- | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${r.rule} | ${r.both} | ${r.onlySquawk} | ${r.onlyDbctl} | ${why(r)} |`),
    `| all rules | ${total.both} | ${total.s} | ${total.d} |  |`,
  ].join('\n');
}
