/**
 * changing-column-type: ALTER COLUMN ... TYPE rewrites the table and rebuilds its indexes under
 * ACCESS EXCLUSIVE, except for binary-compatible changes (varchar → text, a longer varchar,
 * varchar(n) → varchar, numeric precision up with the same scale), which are exempt, as is any
 * change on a table created in the same migration.
 */
import { nodeOf, typeInfo } from '../../sql/ast.js';
import { isPlainUsingCast, typeChangeEffect } from '../../core/classify/types.js';
import type { Rule } from '../types.js';
import { alterExistingTable, findingsPerCommand, locationOr, shortTable } from '../rule-support.js';

/** Flags column type changes that rewrite an existing table. */
const rule: Rule = {
  id: 'changing-column-type',
  defaultSeverity: 'error',
  sizeSensitive: true,
  docs: {
    problem:
      'Changing a column type rewrites the whole table and rebuilds its indexes under an ACCESS EXCLUSIVE lock (reads and writes blocked), and the application still running breaks on the new type. Exempt: varchar → text, a longer varchar limit, varchar(n) → varchar, numeric with more precision and the same scale (no rewrite).',
    fix: 'Expand and contract: add a new column with the new type, write to both (trigger or application), backfill in batches, switch reads, then drop the old column in a later release.',
  },
  kinds: ['AlterTableStmt'],
  check(stmt, ctx) {
    return findingsPerCommand(alterExistingTable(stmt, ctx), (cmd, alter) => {
      if (cmd.subtype !== 'AT_AlterColumnType') return;
      const table = shortTable(alter.table.qualified);
      const column = String(cmd.name);
      const def = nodeOf(cmd.def, 'ColumnDef') ?? {};
      const to = typeInfo(def.typeName);
      const from = ctx.knowledge.columnType(alter.table.qualified, column);
      const effect = typeChangeEffect(from, to, !isPlainUsingCast(def.raw_default, column));
      if (!effect.rewrites) return;
      let message: string;
      if (from) {
        message = `Changing ${table}.${column} from ${from.display} to ${to.display} rewrites ${table} and rebuilds its indexes under an ACCESS EXCLUSIVE lock: reads and writes are blocked until done (${effect.reason}).`;
      } else {
        message = `Changing ${table}.${column} to ${to.display} rewrites ${table} and rebuilds its indexes under an ACCESS EXCLUSIVE lock, blocking reads and writes, unless the change is binary-compatible.`;
        if (to.name === 'text' || to.name === 'varchar') {
          message += ` The old type is not in the reviewed migrations: if it was varchar (to text, or a longer varchar) no rewrite happens and you can mark it \`-- dbctl-ignore changing-column-type: was varchar\`.`;
        } else if (to.name === 'numeric') {
          message += ` The old type is not in the reviewed migrations: if it was numeric with less precision and the same scale, no rewrite happens.`;
        }
      }
      if (!effect.lossless) message += ' Some values may not convert: the change can fail, or alter them.';
      return {
        message,
        fix: `Expand and contract: 1) ALTER TABLE ${table} ADD COLUMN ${column}_new ${to.display}; 2) write both columns (trigger or application); 3) backfill ${column}_new in batches; 4) switch reads; 5) drop ${column} in a later release and rename if needed.`,
        at: locationOr(to.location, def.location, alter.location),
      };
    });
  },
};

export default rule;
