/**
 * require-concurrent-partition-detach (squawk): DETACH PARTITION without CONCURRENTLY takes an
 * ACCESS EXCLUSIVE lock on the partitioned table.
 */
import { nodeOf, rangeVarName } from '../../sql/ast.js';
import type { Rule } from '../types.js';
import { alterExistingTable, findingsPerCommand, shortTable } from '../rule-support.js';

/** Flags DETACH PARTITION without CONCURRENTLY on an existing partitioned table. */
const rule: Rule = {
  id: 'require-concurrent-partition-detach',
  defaultSeverity: 'warning',
  docs: {
    problem:
      '`DETACH PARTITION` without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the partitioned table: it waits for every running query on any partition, and every query queues behind it.',
    fix: '`ALTER TABLE parent DETACH PARTITION child CONCURRENTLY` (PostgreSQL 14+; SHARE UPDATE EXCLUSIVE, cannot run in a transaction: dbctl migrate runs it on its own).',
  },
  kinds: ['AlterTableStmt'],
  check(stmt, ctx) {
    return findingsPerCommand(alterExistingTable(stmt, ctx), (cmd, alter) => {
      const partition = cmd.subtype === 'AT_DetachPartition' ? nodeOf(cmd.def, 'PartitionCmd') : undefined;
      if (!partition || partition.concurrent) return;
      const name = partition.name ? shortTable(rangeVarName(partition.name).qualified) : '<partition>';
      return {
        message: `DETACH PARTITION ${name} takes an ACCESS EXCLUSIVE lock on ${shortTable(alter.table.qualified)}: reads and writes of every partition wait behind it.`,
        fix: `ALTER TABLE ${shortTable(alter.table.qualified)} DETACH PARTITION ${name} CONCURRENTLY;${ctx.appliedByDbctl ? ' (dbctl runs it outside the migration transaction)' : ' It cannot run inside a transaction: apply it with dbctl migrate or by hand.'}`,
        at: alter.location,
      };
    });
  },
};

export default rule;
