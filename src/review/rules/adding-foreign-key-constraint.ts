/**
 * adding-foreign-key-constraint: a FOREIGN KEY added to an existing table without NOT VALID
 * validates every row while holding SHARE ROW EXCLUSIVE locks on both tables.
 */
import { columnConstraints, nodeOf, rangeVarName, type Pg } from '../../sql/ast.js';
import type { Rule, RuleFinding } from '../types.js';
import { alterExistingTable, findingsPerCommand, locationOr, shortTable, type AlterTable } from '../rule-support.js';

/** Flags FOREIGN KEY / REFERENCES added to an existing table without NOT VALID. */
const rule: Rule = {
  id: 'adding-foreign-key-constraint',
  defaultSeverity: 'error',
  sizeSensitive: true,
  docs: {
    problem:
      'Adding a foreign key to an existing table checks every existing row while holding SHARE ROW EXCLUSIVE locks on both the table and the referenced table: writes to both are blocked for the whole scan.',
    fix: 'Add the constraint with NOT VALID (only new rows are checked, the lock is brief), then in a later migration run `ALTER TABLE ... VALIDATE CONSTRAINT ...`, which scans under SHARE UPDATE EXCLUSIVE and blocks neither reads nor writes.',
  },
  kinds: ['AlterTableStmt'],
  check(stmt, ctx) {
    return findingsPerCommand(alterExistingTable(stmt, ctx), (cmd, alter) => {
      if (cmd.subtype === 'AT_AddConstraint') {
        const c = nodeOf(cmd.def, 'Constraint');
        if (c?.contype !== 'CONSTR_FOREIGN' || c.skip_validation) return;
        const columns = (c.fk_attrs ?? []).map((a) => nodeOf(a, 'String')?.sval).join(', ');
        return validatingForeignKey(
          alter,
          c,
          String(c.conname ?? `${alter.table.name}_${columns}_fkey`),
          columns,
          locationOr(c.location, alter.location),
        );
      }
      if (cmd.subtype === 'AT_AddColumn') {
        const def = nodeOf(cmd.def, 'ColumnDef') ?? {};
        return columnConstraints(def)
          .filter((c) => c.contype === 'CONSTR_FOREIGN' && !c.skip_validation)
          .map((c) =>
            validatingForeignKey(
              alter,
              c,
              String(c.conname ?? `${alter.table.name}_${def.colname}_fkey`),
              String(def.colname),
              locationOr(c.location, def.location),
            ),
          );
      }
    });
  },
};

/** The finding for a foreign key `name` on `columns` that validates every existing row under its locks. */
function validatingForeignKey(alter: AlterTable, constraint: Pg.Constraint, name: string, columns: string, at: number): RuleFinding {
  const table = shortTable(alter.table.qualified);
  const referenced = constraint.pktable ? shortTable(rangeVarName(constraint.pktable).qualified) : '?';
  return {
    message: `Foreign key ${name} on ${table} validates every existing row while holding SHARE ROW EXCLUSIVE locks on ${table} and ${referenced}: writes to both tables are blocked until the scan ends.`,
    fix: `1) ALTER TABLE ${table} ADD CONSTRAINT ${name} FOREIGN KEY (${columns}) REFERENCES ${referenced} ... NOT VALID; 2) in a later migration: ALTER TABLE ${table} VALIDATE CONSTRAINT ${name}; (reads and writes continue during validation).`,
    at,
    table: alter.table.qualified,
  };
}

export default rule;
