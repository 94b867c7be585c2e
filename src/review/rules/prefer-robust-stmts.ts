/**
 * prefer-robust-stmts: CREATE without IF NOT EXISTS, DROP without IF EXISTS (and their ALTER TABLE
 * forms) fail when a partly applied migration is run again.
 *
 * Like squawk with `--assume-in-transaction`: dbctl and drizzle-kit run each migration in a
 * transaction, so an atomic migration can never be partly applied and is not flagged. The rule
 * fires in migrations that are NOT atomic: they hold a statement that must run outside a
 * transaction (CREATE INDEX CONCURRENTLY, ...), an enum value dbctl commits after, or an explicit
 * COMMIT/ROLLBACK. Statements inside an explicit BEGIN ... COMMIT of the file are exempt.
 */
import { nodeOf, rangeVarName } from '../../sql/ast.js';
import type { Rule } from '../types.js';
import { alterExistingTable, alterTable, perMigration, shortTable } from '../rule-support.js';

/** The statements whose create/drop has an idempotent form, and where it goes. */
function missingGuards(stmt: Parameters<Rule['check']>[0], ctx: Parameters<Rule['check']>[1]): string[] {
  if (!stmt.node) return [];
  switch (stmt.kind) {
    case 'CreateStmt':
      return stmt.node.if_not_exists ? [] : [`CREATE TABLE IF NOT EXISTS ${shortTable(rangeVarName(stmt.node.relation).qualified)}`];
    case 'IndexStmt':
      return stmt.node.if_not_exists || !stmt.node.idxname
        ? []
        : [`CREATE INDEX${stmt.node.concurrent ? ' CONCURRENTLY' : ''} IF NOT EXISTS ${stmt.node.idxname}`];
    case 'CreateSchemaStmt':
      return stmt.node.if_not_exists ? [] : [`CREATE SCHEMA IF NOT EXISTS ${stmt.node.schemaname}`];
    case 'CreateSeqStmt':
      return stmt.node.if_not_exists ? [] : [`CREATE SEQUENCE IF NOT EXISTS ${shortTable(rangeVarName(stmt.node.sequence).qualified)}`];
    case 'CreateExtensionStmt':
      return stmt.node.if_not_exists ? [] : [`CREATE EXTENSION IF NOT EXISTS ${stmt.node.extname}`];
    case 'CreateTableAsStmt':
      return stmt.node.if_not_exists ? [] : ['CREATE ... IF NOT EXISTS'];
    case 'DropStmt': {
      if (stmt.node.missing_ok) return [];
      const what = String(stmt.node.removeType ?? '')
        .replace(/^OBJECT_/, '')
        .replace(/_/g, ' ');
      return [`DROP ${what}${stmt.node.concurrent ? ' CONCURRENTLY' : ''} IF EXISTS`];
    }
    case 'AlterTableStmt': {
      const alter = alterExistingTable(stmt, ctx);
      if (!alter) return [];
      const out: string[] = [];
      for (const cmd of alter.cmds) {
        if (cmd.subtype === 'AT_AddColumn' && !cmd.missing_ok)
          out.push(`ADD COLUMN IF NOT EXISTS ${nodeOf(cmd.def, 'ColumnDef')?.colname}`);
        if (cmd.subtype === 'AT_DropColumn' && !cmd.missing_ok) out.push(`DROP COLUMN IF EXISTS ${cmd.name}`);
        if (cmd.subtype === 'AT_DropConstraint' && !cmd.missing_ok) out.push(`DROP CONSTRAINT IF EXISTS ${cmd.name}`);
        if (cmd.subtype === 'AT_AddConstraint') {
          const name = nodeOf(cmd.def, 'Constraint')?.conname;
          if (!name || droppedBefore(stmt, ctx, alter.table.qualified, String(name))) continue;
          out.push(`ALTER TABLE ${shortTable(alter.table.qualified)} DROP CONSTRAINT IF EXISTS ${name} before ADD CONSTRAINT ${name}`);
        }
      }
      return out;
    }
    default:
      return [];
  }
}

/** True when an earlier statement of the migration ran DROP CONSTRAINT IF EXISTS `name` on `table`. */
function droppedBefore(stmt: Parameters<Rule['check']>[0], ctx: Parameters<Rule['check']>[1], table: string, name: string): boolean {
  return ctx.statements.slice(0, stmt.index).some((earlier) => {
    const alter = alterTable(earlier);
    return alter?.table.qualified === table && alter.cmds.some((c) => c.subtype === 'AT_DropConstraint' && c.name === name && c.missing_ok);
  });
}

/** Why the migration cannot run as one transaction, or undefined when it can. */
function atomicityBreaker(ctx: Parameters<Rule['check']>[1]): string | undefined {
  return perMigration(ctx, 'atomicityBreaker', () => findAtomicityBreaker(ctx));
}

function findAtomicityBreaker(ctx: Parameters<Rule['check']>[1]): string | undefined {
  for (const s of ctx.statements) {
    if (!s.classification.transactional) return `${s.classification.summary} runs outside the transaction`;
    if (ctx.appliedByDbctl && s.classification.commitAfter) return `dbctl commits after ${s.classification.summary}`;
    if (ctx.appliedByDbctl && s.classification.redundantControl) continue; // not run: a boundary dbctl draws itself
    if (s.kind === 'TransactionStmt' && (s.node?.kind === 'TRANS_STMT_COMMIT' || s.node?.kind === 'TRANS_STMT_ROLLBACK')) {
      return `it has its own ${s.classification.summary}`;
    }
  }
  return undefined;
}

/** Flags create/drop statements without their IF [NOT] EXISTS form in non-atomic migrations. */
const rule: Rule = {
  id: 'prefer-robust-stmts',
  defaultSeverity: 'warning',
  docs: {
    problem:
      'A CREATE without IF NOT EXISTS or a DROP without IF EXISTS fails when a migration that failed part-way is run again. Only migrations that cannot run as one transaction can fail part-way: those with CREATE INDEX CONCURRENTLY (or another statement dbctl runs outside the transaction), an enum value dbctl commits after, or their own COMMIT.',
    fix: 'Write the idempotent form: CREATE ... IF NOT EXISTS, DROP ... IF EXISTS, ADD COLUMN IF NOT EXISTS, DROP CONSTRAINT IF EXISTS before ADD CONSTRAINT.',
  },
  check(stmt, ctx) {
    if (ctx.inExplicitTransaction(stmt.index)) return;
    const breaker = atomicityBreaker(ctx);
    if (!breaker) return;
    const missing = missingGuards(stmt, ctx);
    if (missing.length === 0) return;
    return {
      message: `${stmt.classification.summary} fails if the migration runs again after a partial run (it is not atomic: ${breaker}): it lacks IF [NOT] EXISTS.`,
      fix: `Use ${missing.join('; ')}.`,
    };
  },
};

export default rule;
