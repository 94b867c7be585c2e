/**
 * disallowed-unique-constraint: ADD UNIQUE (without USING INDEX) on an existing table builds the
 * index under ACCESS EXCLUSIVE. (ADD PRIMARY KEY is adding-serial-primary-key-field, as in squawk.)
 */
import { columnConstraints, nodeOf, stringList } from '../../sql/ast.js';
import type { Rule, RuleFinding } from '../types.js';
import { alterExistingTable, findingsPerCommand, locationOr, shortTable, tableName, type AlterTable } from '../rule-support.js';

/** Flags unique/primary key constraints that build their index under the table lock. */
const rule: Rule = {
  id: 'disallowed-unique-constraint',
  defaultSeverity: 'error',
  sizeSensitive: true,
  docs: {
    problem:
      'Adding a UNIQUE constraint to an existing table builds its index while holding an ACCESS EXCLUSIVE lock: reads and writes are blocked for the whole build.',
    fix: 'Build the index first with `CREATE UNIQUE INDEX CONCURRENTLY`, then attach it: `ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING INDEX ...`, which only takes a brief lock.',
  },
  kinds: ['AlterTableStmt'],
  check(stmt, ctx) {
    return findingsPerCommand(alterExistingTable(stmt, ctx), (cmd, alter) => {
      if (cmd.subtype === 'AT_AddConstraint') {
        const c = nodeOf(cmd.def, 'Constraint');
        // ADD PRIMARY KEY is adding-serial-primary-key-field (squawk's id for it)
        if (!c || c.indexname || c.contype !== 'CONSTR_UNIQUE') return;
        const columns = stringList(c.keys).join(', ');
        const kind = c.contype === 'CONSTR_UNIQUE' ? 'UNIQUE' : 'PRIMARY KEY';
        const name = c.conname
          ? String(c.conname)
          : `${tableName(alter.table.qualified)}_${c.contype === 'CONSTR_UNIQUE' ? `${stringList(c.keys).join('_')}_key` : 'pkey'}`;
        return indexBuiltUnderLock(alter, kind, name, columns, locationOr(c.location, alter.location));
      }
      if (cmd.subtype === 'AT_AddColumn') {
        const def = nodeOf(cmd.def, 'ColumnDef') ?? {};
        const unique = columnConstraints(def).find((c) => c.contype === 'CONSTR_UNIQUE');
        if (!unique) return;
        const name = unique.conname ? String(unique.conname) : `${tableName(alter.table.qualified)}_${def.colname}_key`;
        return indexBuiltUnderLock(alter, 'UNIQUE', name, String(def.colname), locationOr(unique.location, def.location));
      }
    });
  },
};

/** The finding for a constraint `name` of `kind` on `columns` whose index is built under the table's lock. */
function indexBuiltUnderLock(alter: AlterTable, kind: string, name: string, columns: string, at: number): RuleFinding {
  const table = shortTable(alter.table.qualified);
  const index = `${name}_idx`;
  return {
    message: `Adding ${kind} constraint ${name} to ${table} builds its index under an ACCESS EXCLUSIVE lock: reads and writes are blocked for the whole build.`,
    fix: `1) CREATE UNIQUE INDEX CONCURRENTLY ${index} ON ${table} (${columns}); 2) ALTER TABLE ${table} ADD CONSTRAINT ${name} ${kind} USING INDEX ${index};`,
    at,
    table: alter.table.qualified,
  };
}

export default rule;
