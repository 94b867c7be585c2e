/**
 * prefer-identity: serial / bigserial columns instead of identity columns.
 */
import type { Rule } from '../types.js';
import { SERIAL_TYPES } from '../../core/classify/volatility.js';
import { declaredColumnTypes, shortTable } from '../rule-support.js';

/** Flags serial-family columns. */
const rule: Rule = {
  id: 'prefer-identity',
  defaultSeverity: 'warning',
  docs: {
    problem:
      '`serial` types create a separately owned sequence with loose permissions and ownership, accept explicit ids that later collide with the sequence, and are harder to copy and alter than SQL-standard identity columns.',
    fix: "Use `bigint GENERATED ALWAYS AS IDENTITY` (drizzle: `bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity()`).",
  },
  kinds: ['CreateStmt', 'AlterTableStmt'],
  check(stmt) {
    return declaredColumnTypes(stmt)
      .filter((use) => SERIAL_TYPES.has(use.type.name))
      .map((use) => ({
        message: `${shortTable(use.table)}.${use.column} is ${use.type.name}: prefer an identity column.`,
        fix: `Declare it ${use.type.name.startsWith('small') || use.type.name === 'serial2' ? 'smallint' : 'bigint'} GENERATED ALWAYS AS IDENTITY (drizzle: bigint('${use.column}', { mode: 'number' }).generatedAlwaysAsIdentity()).`,
        at: use.location,
      }));
  },
};

export default rule;
