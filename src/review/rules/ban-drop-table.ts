/**
 * ban-drop-table: DROP TABLE loses the table's rows and breaks code still using it. Tables created
 * in the same migration are exempt (classification).
 */
import type { Rule } from '../types.js';
import { shortTable } from '../rule-support.js';

/** Flags dropping a table that holds data. */
const rule: Rule = {
  id: 'ban-drop-table',
  defaultSeverity: 'error',
  docs: {
    problem:
      'Dropping a table deletes all its rows, and the application version still running during the deploy fails on every query that uses it.',
    fix: 'First release code that no longer uses the table, then drop it in a later migration (optionally rename it to an `_old` name first and drop it after a grace period). dbctl migrate backs the table up before dropping it.',
  },
  check(stmt) {
    const tables = stmt.classification.destroys.filter((d) => d.kind === 'table').map((d) => shortTable(`${d.schema}.${d.table}`));
    if (tables.length === 0) return;
    return {
      message: `Dropping ${tables.join(', ')} deletes ${tables.length > 1 ? 'their' : 'its'} rows, and the application version still running fails on queries that use ${tables.length > 1 ? 'them' : 'it'}.`,
      fix: `Deploy code that no longer uses ${tables.join(', ')} first, then drop in a later migration. dbctl migrate backs up ${tables.join(', ')} before applying (restore with \`dbctl restore\`).`,
    };
  },
};

export default rule;
