/**
 * constraint-missing-not-valid: CHECK or FOREIGN KEY added to an existing table without NOT VALID
 * scans it under lock; and VALIDATE CONSTRAINT in the same migration (transaction) as the NOT VALID
 * add gains nothing, because the add's lock is held until commit.
 */
import type { Rule } from '../types.js';
import { columnConstraints, nodeOf } from '../../sql/ast.js';
import { alterExistingTable, alterTable, findingsPerCommand, locationOr, shortTable, tableName } from '../rule-support.js';

/** Flags validating constraints added to existing tables, and same-transaction validation. */
const rule: Rule = {
  id: 'constraint-missing-not-valid',
  defaultSeverity: 'error',
  sizeSensitive: true,
  // A FOREIGN KEY without NOT VALID is reported once, by adding-foreign-key-constraint, when it is on.
  yieldsTo: ['adding-foreign-key-constraint'],
  docs: {
    problem:
      'Adding a CHECK or FOREIGN KEY constraint to an existing table validates every row while holding the lock (ACCESS EXCLUSIVE for CHECK, SHARE ROW EXCLUSIVE for FOREIGN KEY). Validating a NOT VALID constraint in the same migration does not help: the migration is one transaction, so the lock taken by ADD CONSTRAINT is still held during the scan.',
    fix: 'Add the constraint NOT VALID in one migration (brief lock, new rows checked), and run `ALTER TABLE ... VALIDATE CONSTRAINT ...` in a later migration (SHARE UPDATE EXCLUSIVE: reads and writes continue).',
  },
  kinds: ['AlterTableStmt'],
  check(stmt, ctx) {
    return findingsPerCommand(alterExistingTable(stmt, ctx), (cmd, alter) => {
      const table = shortTable(alter.table.qualified);
      if (cmd.subtype === 'AT_AddConstraint') {
        const c = nodeOf(cmd.def, 'Constraint');
        if (!c || c.skip_validation || (c.contype !== 'CONSTR_CHECK' && c.contype !== 'CONSTR_FOREIGN')) return;
        const kind = c.contype === 'CONSTR_CHECK' ? 'CHECK' : 'FOREIGN KEY';
        const lock =
          c.contype === 'CONSTR_CHECK'
            ? 'an ACCESS EXCLUSIVE lock (reads and writes blocked)'
            : 'SHARE ROW EXCLUSIVE locks (writes blocked)';
        const name = c.conname ? String(c.conname) : '<name>';
        return {
          message:
            `${kind} constraint ${c.conname ?? ''} on ${table} is added without NOT VALID: every existing row is checked while holding ${lock}.`.replace(
              '  ',
              ' ',
            ),
          fix: `1) ALTER TABLE ${table} ADD CONSTRAINT ${name} ${kind} (...) NOT VALID; 2) in a later migration: ALTER TABLE ${table} VALIDATE CONSTRAINT ${name}; (reads and writes continue).`,
          at: locationOr(c.location, alter.location),
        };
      }
      if (cmd.subtype === 'AT_AddColumn') {
        // an inline CHECK on ADD COLUMN is validated against every row (eugene E1)
        const def = nodeOf(cmd.def, 'ColumnDef') ?? {};
        return columnConstraints(def)
          .filter((c) => c.contype === 'CONSTR_CHECK')
          .map((c) => {
            const name = c.conname ? String(c.conname) : `${tableName(alter.table.qualified)}_${def.colname}_check`;
            return {
              message: `ADD COLUMN ${def.colname} with an inline CHECK on ${table}: every existing row is checked while holding an ACCESS EXCLUSIVE lock (reads and writes blocked).`,
              fix: `1) ALTER TABLE ${table} ADD COLUMN ${def.colname} ... (without the CHECK); 2) ALTER TABLE ${table} ADD CONSTRAINT ${name} CHECK (...) NOT VALID; 3) in a later migration: ALTER TABLE ${table} VALIDATE CONSTRAINT ${name};`,
              at: locationOr(c.location, def.location, alter.location),
            };
          });
      }
      if (cmd.subtype === 'AT_ValidateConstraint') {
        const name = String(cmd.name);
        const addedHere = ctx.statements.slice(0, stmt.index).some((earlier) => {
          const prior = alterTable(earlier);
          return (
            prior?.table.qualified === alter.table.qualified &&
            prior.cmds.some(
              (p) =>
                p.subtype === 'AT_AddConstraint' &&
                nodeOf(p.def, 'Constraint')?.conname === name &&
                nodeOf(p.def, 'Constraint')?.skip_validation,
            )
          );
        });
        if (!addedHere) return;
        return {
          message: `VALIDATE CONSTRAINT ${name} runs in the same migration (one transaction) that added it NOT VALID: the lock taken by ADD CONSTRAINT is still held, so the validation scan blocks ${table} anyway.`,
          fix: `Move ALTER TABLE ${table} VALIDATE CONSTRAINT ${name}; to a later migration.`,
          at: alter.location,
        };
      }
    });
  },
};

export default rule;
