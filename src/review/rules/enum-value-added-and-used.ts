/**
 * enum-value-added-and-used (dbctl): ALTER TYPE ... ADD VALUE 'v' and a later statement of the
 * same migration using 'v'. PostgreSQL refuses a new enum value before the ALTER TYPE commits:
 * dbctl commits right after the ADD VALUE (so the migration is no longer atomic); raw drizzle-kit
 * migrate, one transaction, fails with "unsafe use of new value".
 */
import { stringConstants, typeQualifiedName } from '../../sql/ast.js';
import type { Rule } from '../types.js';
import { shortTable } from '../rule-support.js';

/** Flags enum values added and used in one migration. */
const rule: Rule = {
  id: 'enum-value-added-and-used',
  defaultSeverity: 'warning',
  docs: {
    problem:
      'A new enum value cannot be used before the ALTER TYPE ... ADD VALUE commits. dbctl migrate commits right after it (the migration is then not atomic: a later failure leaves the value added); drizzle-kit migrate runs the migration in one transaction and fails with "unsafe use of new value" (reported as an error when migrations are not applied by dbctl).',
    fix: 'Add the enum value in its own migration and use it in the next one.',
  },
  kinds: ['AlterEnumStmt'],
  check(stmt, ctx) {
    if (stmt.kind !== 'AlterEnumStmt' || !stmt.classification.commitAfter) return;
    const value = String(stmt.node.newVal);
    const type = shortTable(typeQualifiedName(stmt.node.typeName).qualified);
    const user = ctx.statements.slice(stmt.index + 1).find((s) => s.node && stringConstants(s.node).has(value));
    const where = user ? ` (statement ${user.index + 1}, line ${user.parsed.line})` : '';
    return {
      message: ctx.appliedByDbctl
        ? `'${value}' is added to ${type} and used later in the same migration${where}: dbctl commits right after the ADD VALUE so the value can be used, which splits the migration into two transactions; raw drizzle-kit migrate fails on it ("unsafe use of new value").`
        : `'${value}' is added to ${type} and used later in the same migration${where}: drizzle-kit migrate runs the migration in one transaction, and PostgreSQL refuses the new value before it commits ("unsafe use of new value").`,
      fix: `Move ALTER TYPE ${type} ADD VALUE '${value}' to its own migration, before the one that uses it.`,
      severity: ctx.appliedByDbctl ? 'warning' : 'error',
    };
  },
};

export default rule;
