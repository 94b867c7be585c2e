/**
 * attach-partition-without-check (dbctl): ALTER TABLE ... ATTACH PARTITION scans the attached
 * table (and the default partition) under ACCESS EXCLUSIVE to prove every row fits the bound,
 * unless a validated CHECK constraint already proves it.
 */
import { nodeOf, rangeVarName } from '../../sql/ast.js';
import type { Rule } from '../types.js';
import { alterTable, findingsPerCommand, isExisting, shortTable } from '../rule-support.js';

/** Flags ATTACH PARTITION of an existing table. */
const rule: Rule = {
  id: 'attach-partition-without-check',
  defaultSeverity: 'error',
  sizeSensitive: true,
  docs: {
    problem:
      '`ATTACH PARTITION` scans the attached table to prove every row fits the partition bound, holding an ACCESS EXCLUSIVE lock on it (and scans the default partition too, if there is one).',
    fix: 'Before attaching, add a CHECK constraint matching the partition bound NOT VALID and VALIDATE it (no blocking); ATTACH PARTITION then skips the scan; drop the CHECK afterwards.',
  },
  kinds: ['AlterTableStmt'],
  check(stmt, ctx) {
    return findingsPerCommand(alterTable(stmt), (cmd, alter) => {
      const named = nodeOf(cmd.def, 'PartitionCmd')?.name;
      if (cmd.subtype !== 'AT_AttachPartition' || !named) return;
      const partition = rangeVarName(named).qualified;
      if (!isExisting(partition, stmt, ctx)) return;
      const p = shortTable(partition);
      return {
        message: `ATTACH PARTITION ${p} scans ${p} under an ACCESS EXCLUSIVE lock to prove every row fits the partition bound (and scans the default partition of ${shortTable(alter.table.qualified)}, if any).`,
        fix: `1) ALTER TABLE ${p} ADD CONSTRAINT ${p.replace(/.*\./, '')}_bound CHECK (<the partition bound>) NOT VALID; 2) ALTER TABLE ${p} VALIDATE CONSTRAINT ${p.replace(/.*\./, '')}_bound; 3) ATTACH PARTITION (no scan); 4) drop the CHECK.`,
        at: named.location ?? alter.location,
        table: partition,
      };
    });
  },
};

export default rule;
