/**
 * blocking-table-rewrite (dbctl): maintenance statements that rewrite or scan an existing table
 * under a blocking lock and have a non-blocking alternative or belong outside migrations:
 * VACUUM FULL, CLUSTER, REINDEX without CONCURRENTLY, REFRESH MATERIALIZED VIEW without
 * CONCURRENTLY, ALTER TABLE SET TABLESPACE / SET LOGGED / SET UNLOGGED / SET ACCESS METHOD /
 * ALTER COLUMN SET EXPRESSION.
 */
import type { Rule } from '../types.js';
import { alterTable } from '../rule-support.js';

const ALTER_REWRITES: Record<string, string> = {
  AT_SetTableSpace: 'SET TABLESPACE copies the whole table',
  AT_SetLogged: 'SET LOGGED rewrites the whole table',
  AT_SetUnLogged: 'SET UNLOGGED rewrites the whole table',
  AT_SetAccessMethod: 'SET ACCESS METHOD rewrites the whole table',
  AT_SetExpression: 'SET EXPRESSION recomputes the generated column for every row',
};

/** Flags blocking maintenance operations on existing tables. */
const rule: Rule = {
  id: 'blocking-table-rewrite',
  defaultSeverity: 'error',
  sizeSensitive: true,
  docs: {
    problem:
      'VACUUM FULL, CLUSTER (a bare `CLUSTER;` too), REINDEX (TABLE, INDEX, SCHEMA, DATABASE, SYSTEM; `CONCURRENTLY false` included), REFRESH MATERIALIZED VIEW and ALTER TABLE SET TABLESPACE / SET LOGGED / SET UNLOGGED / SET ACCESS METHOD rewrite or scan a whole table while holding a lock that blocks reads or writes.',
    fix: 'Use the concurrent form (REINDEX CONCURRENTLY, REFRESH MATERIALIZED VIEW CONCURRENTLY), an online tool (pg_repack instead of VACUUM FULL / CLUSTER), or run the maintenance outside migrations in a quiet window.',
  },
  check(stmt) {
    const lock = stmt.classification.lock;
    if (!lock.level || lock.blocks === 'nothing' || (!lock.rewritesTable && !lock.scansTable)) return;
    const on = lock.tables.join(', ') || 'every table it covers';
    const blocks = lock.blocks === 'writes' ? 'writes' : 'reads and writes';
    switch (stmt.kind) {
      case 'VacuumStmt':
      case 'ClusterStmt':
        return {
          message: `${stmt.classification.summary} rewrites ${on} under an ACCESS EXCLUSIVE lock: reads and writes are blocked until it finishes.`,
          fix: 'Use pg_repack (online) instead, outside migrations; plain VACUUM does not block.',
        };
      case 'ReindexStmt':
        return {
          message: `${stmt.classification.summary} without CONCURRENTLY blocks ${blocks} on ${on} while the index is rebuilt.`,
          fix: 'Use REINDEX ... CONCURRENTLY (dbctl runs it outside the migration transaction).',
        };
      case 'RefreshMatViewStmt':
        return {
          message: `${stmt.classification.summary} blocks ${blocks} on ${on} while the view is recomputed.`,
          fix: 'Use REFRESH MATERIALIZED VIEW CONCURRENTLY (needs a unique index on the view), preferably outside migrations.',
        };
      default: {
        const alter = alterTable(stmt);
        const cmd = alter?.cmds.find((c) => ALTER_REWRITES[c.subtype ?? '']);
        if (!alter || !cmd) return;
        return {
          message: `ALTER TABLE ${alter.table.qualified} ${ALTER_REWRITES[cmd.subtype ?? '']} under an ACCESS EXCLUSIVE lock: reads and writes are blocked until it finishes.`,
          fix: 'Create a new table with the desired properties, copy the data in batches, and swap names in a short transaction; or run it in a maintenance window outside migrations.',
          at: alter.location,
        };
      }
    }
  },
};

export default rule;
