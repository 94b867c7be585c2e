/**
 * ban-drop-not-null: DROP NOT NULL lets NULLs in where code assumes a value.
 */
import type { Rule, RuleFinding } from '../types.js';
import { alterExistingTable, shortTable } from '../rule-support.js';

/** Flags DROP NOT NULL on existing tables. */
const rule: Rule = {
  id: 'ban-drop-not-null',
  defaultSeverity: 'warning',
  docs: {
    problem:
      "Dropping NOT NULL lets NULLs in; code written against the column (and drizzle's inferred non-null types) breaks when it reads one.",
    fix: 'Release code that handles NULL in this column first (update the drizzle schema and every reader), then drop NOT NULL.',
  },
  kinds: ['AlterTableStmt'],
  check(stmt, ctx) {
    const alter = alterExistingTable(stmt, ctx);
    if (!alter) return;
    return alter.cmds
      .filter((cmd) => cmd.subtype === 'AT_DropNotNull')
      .map((cmd): RuleFinding => ({
        message: `Dropping NOT NULL on ${shortTable(alter.table.qualified)}.${cmd.name} lets NULLs in: code that assumes a value breaks when it reads one.`,
        fix: `Make every reader of ${cmd.name} handle NULL (and the drizzle schema nullable) before this migration ships.`,
        at: alter.location,
      }));
  },
};

export default rule;
