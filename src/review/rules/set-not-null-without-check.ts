/**
 * set-not-null-without-check (dbctl): SET NOT NULL preceded by a CHECK (col IS NOT NULL) that does
 * not spare the scan: the CHECK is NOT VALID (never validated), or it was added in this same
 * migration, whose transaction still holds ADD CONSTRAINT's ACCESS EXCLUSIVE lock while the table
 * is validated. With no CHECK at all, adding-not-nullable-field reports the plain SET NOT NULL.
 */
import type { Rule } from '../types.js';
import { alterExistingTable, findingsPerCommand, notNullRecipe, shortTable } from '../rule-support.js';

/** Flags SET NOT NULL whose CHECK (col IS NOT NULL) was not validated in an earlier migration. */
const rule: Rule = {
  id: 'set-not-null-without-check',
  defaultSeverity: 'error',
  sizeSensitive: true,
  docs: {
    problem:
      'SET NOT NULL skips its full-table scan (PostgreSQL 12+) only when a CHECK (col IS NOT NULL) was validated beforehand. A NOT VALID check that was never validated, or a check added in the same migration (one transaction: the ACCESS EXCLUSIVE lock of ADD CONSTRAINT is held until commit), leaves the scan under the lock.',
    fix: 'Add the CHECK NOT VALID in one migration, VALIDATE it in the next, and SET NOT NULL (then drop the CHECK) in a later one.',
  },
  kinds: ['AlterTableStmt'],
  check(stmt, ctx) {
    return findingsPerCommand(alterExistingTable(stmt, ctx), (cmd, alter) => {
      if (cmd.subtype !== 'AT_SetNotNull') return;
      const table = alter.table.qualified;
      const column = String(cmd.name);
      const check = ctx.knowledge.notNullCheck(table, column);
      if (!check) return; // adding-not-nullable-field
      const name = check.name ?? 'the CHECK';
      let why: string | undefined;
      if (check.addedIn === ctx.migrationOrdinal) {
        why = `CHECK ${name} is added in this same migration: the migration is one transaction, so the ACCESS EXCLUSIVE lock taken by ADD CONSTRAINT is held while the table is validated, blocking reads and writes for the scan anyway`;
      } else if (!check.validated) {
        why = `CHECK ${name} is NOT VALID (never validated), so PostgreSQL cannot rely on it and scans the whole table under an ACCESS EXCLUSIVE lock`;
      }
      if (!why) return;
      return {
        message: `SET NOT NULL on ${shortTable(table)}.${column}: ${why}.`,
        fix: notNullRecipe(table, column),
        at: alter.location,
        table,
      };
    });
  },
};

export default rule;
