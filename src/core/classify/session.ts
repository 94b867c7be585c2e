/**
 * The classification of transaction control, session settings, explicit locks, comments and
 * database-wide statements (databases, tablespaces, subscriptions, ALTER SYSTEM), most of which
 * cannot run in a transaction. `SET search_path` is tracked for the names that follow.
 *
 * Pure: no fs, process or network.
 */
import { defElemNames, nodeOf, type Pg } from '../../sql/ast.js';
import type { Effects, Handlers } from './effects.js';
import { LOCK_LEVELS } from './model.js';
import { parseSearchPath, rangeVarName, setSearchPath } from './names.js';

/** BEGIN / COMMIT / ..., SET / RESET, LOCK TABLE, COMMENT ON. */
export const sessionHandlers: Handlers = {
  TransactionStmt(body, fx) {
    const kind: string = body.kind ?? '';
    if (kind === 'TRANS_STMT_COMMIT_PREPARED' || kind === 'TRANS_STMT_ROLLBACK_PREPARED') fx.transactional = false;
    if ((kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') && !body.options?.length) fx.control = 'begin';
    if (kind === 'TRANS_STMT_COMMIT' && !body.chain) fx.control = 'commit';
    const words: Record<string, string> = {
      TRANS_STMT_BEGIN: 'BEGIN',
      TRANS_STMT_START: 'START TRANSACTION',
      TRANS_STMT_COMMIT: 'COMMIT',
      TRANS_STMT_ROLLBACK: 'ROLLBACK',
      TRANS_STMT_SAVEPOINT: 'SAVEPOINT',
      TRANS_STMT_RELEASE: 'RELEASE SAVEPOINT',
      TRANS_STMT_ROLLBACK_TO: 'ROLLBACK TO SAVEPOINT',
      TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
      TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED',
      TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
    };
    return words[kind] ?? 'transaction control';
  },

  VariableSetStmt(body) {
    if (body.name === 'search_path' || body.kind === 'VAR_RESET_ALL') trackSearchPath(body);
    if (body.kind === 'VAR_RESET' || body.kind === 'VAR_RESET_ALL') return `RESET ${body.name ?? 'ALL'}`;
    return `SET ${body.is_local ? 'LOCAL ' : ''}${body.name ?? ''}`.trim();
  },

  LockStmt(body, fx) {
    const mode = Number(body.mode ?? 8);
    const level = LOCK_LEVELS[Math.min(Math.max(mode, 1), 8) - 1]!;
    const tables = (body.relations ?? []).map((r) => rangeVarName(r).qualified);
    for (const table of tables) fx.lock(level, table);
    return `LOCK TABLE ${tables.join(', ')} IN ${level} MODE`;
  },

  CommentStmt(body) {
    return `COMMENT ON ${String(body.objtype ?? '').replace(/^OBJECT_/, '')}`;
  },
};

/** Database-wide statements: databases, ALTER SYSTEM, tablespaces, subscriptions. */
export const databaseHandlers: Handlers = {
  DropdbStmt(body, fx) {
    fx.transactional = false;
    fx.destroy({ kind: 'other', schema: '', name: String(body.dbname), reason: 'DROP DATABASE' });
    return `DROP DATABASE ${body.dbname}`;
  },

  CreatedbStmt: (body, fx) => outsideTransaction(fx, `CREATE DATABASE ${body.dbname}`),

  AlterDatabaseStmt(body, fx) {
    if (defElemNames(body.options).has('tablespace')) fx.transactional = false;
    return `ALTER DATABASE ${body.dbname}`;
  },

  AlterSystemStmt: (body, fx) => outsideTransaction(fx, `ALTER SYSTEM SET ${body.setstmt?.name ?? ''}`.trim()),

  CreateTableSpaceStmt: (body, fx) => outsideTransaction(fx, `CREATE TABLESPACE ${body.tablespacename}`),

  DropTableSpaceStmt: (body, fx) => outsideTransaction(fx, `DROP TABLESPACE ${body.tablespacename}`),

  CreateSubscriptionStmt: (body, fx) => outsideTransaction(fx, `CREATE SUBSCRIPTION ${body.subname}`),

  DropSubscriptionStmt: (body, fx) => outsideTransaction(fx, `DROP SUBSCRIPTION ${body.subname}`),
};

/** Marks a statement that cannot run inside a transaction block; returns its summary. */
function outsideTransaction(fx: Effects, summary: string): string {
  fx.transactional = false;
  return summary;
}

/** `SET search_path ...`, `RESET search_path`, `SET search_path TO DEFAULT`, `RESET ALL`. */
function trackSearchPath(body: Pg.VariableSetStmt): void {
  if (body.kind === 'VAR_SET_VALUE') {
    const entries: string[] = [];
    for (const arg of body.args ?? []) {
      const value = nodeOf(arg, 'A_Const')?.sval?.sval;
      if (typeof value === 'string') entries.push(...(value.includes(',') ? parseSearchPath(value) : [value]));
    }
    setSearchPath(entries);
  } else if (body.kind === 'VAR_RESET' || body.kind === 'VAR_RESET_ALL' || body.kind === 'VAR_SET_DEFAULT') {
    setSearchPath(null);
  }
}
