/**
 * ban-drop-column: DROP COLUMN loses the column's data and breaks the application version still
 * running during the deploy. Columns added in the same migration are exempt (classification).
 */
import type { Rule, RuleFinding } from '../types.js';
import { alterTable, shortTable } from '../rule-support.js';

/** Flags dropping a column that holds data. */
const rule: Rule = {
  id: 'ban-drop-column',
  defaultSeverity: 'error',
  docs: {
    problem:
      'Dropping a column deletes its data, and the application version still running during the deploy fails on every query that names it (ORMs such as drizzle list columns explicitly).',
    fix: 'First release code that no longer reads or writes the column (remove it from the drizzle schema only once nothing uses it), then drop it in a later migration. dbctl migrate backs the column up before dropping it; `dbctl restore` can put it back.',
  },
  check(stmt) {
    const drops = stmt.classification.destroys.filter((d) => d.kind === 'column' && d.reason === 'DROP COLUMN');
    if (drops.length === 0) return;
    const alter = alterTable(stmt);
    return drops.map((d): RuleFinding => ({
      message: `Dropping ${shortTable(`${d.schema}.${d.table}`)}.${d.column} deletes its data, and the application version still running fails on queries that use it.`,
      fix: `Deploy code that no longer uses ${d.column} first; drop the column in a later migration. dbctl migrate backs up ${d.column} before applying (restore with \`dbctl restore\`).`,
      at: alter?.location ?? -1,
    }));
  },
};

export default rule;
