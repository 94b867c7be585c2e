/**
 * The classification's vocabulary: what a statement is (safe / locking / destructive), the locks it
 * takes, what it destroys, modifies and creates. Read by review, apply, guards and backups.
 *
 * Pure: no fs, process or network.
 */
import type { SqlParser } from '../../sql/parser.js';
import type { TypeInfo } from '../../sql/ast.js';

/** safe: no data loss, no long lock · locking: blocks reads or writes on an existing table while it rewrites or scans it · destructive: loses data. */
export type StatementClass = 'safe' | 'locking' | 'destructive';

/** PostgreSQL table lock levels, weakest first. */
export type LockLevel =
  | 'ACCESS SHARE'
  | 'ROW SHARE'
  | 'ROW EXCLUSIVE'
  | 'SHARE UPDATE EXCLUSIVE'
  | 'SHARE'
  | 'SHARE ROW EXCLUSIVE'
  | 'EXCLUSIVE'
  | 'ACCESS EXCLUSIVE';

/** The lock levels in increasing strength. */
export const LOCK_LEVELS: readonly LockLevel[] = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
];

/** The strongest lock a statement takes on existing tables, and what that costs. */
export interface LockInfo {
  /** Strongest lock on an existing (not created in this migration) relation; null when none. */
  level: LockLevel | null;
  /** What ordinary application queries are blocked from while the lock is held. */
  blocks: 'nothing' | 'writes' | 'reads-and-writes';
  /** The statement rewrites an existing table (and rebuilds its indexes). */
  rewritesTable: boolean;
  /** The statement reads a whole existing table (validation, index build) while holding the lock. */
  scansTable: boolean;
  /** Qualified names touched, e.g. "public.users" (new tables included). */
  tables: string[];
}

/**
 * One thing whose data a statement destroys. Names refer to objects as they exist BEFORE the
 * migration starts (renames earlier in the migration are mapped back); objects created earlier in
 * the same migration never appear.
 *
 * `kind: 'opaque'`: a statement the analysis cannot see into (dynamic `EXECUTE`, a call of a user
 * function, `CALL`); it counts as destructive, and only PostgreSQL can say what it did.
 */
export interface DestroyedObject {
  kind: 'table' | 'column' | 'schema' | 'rows' | 'type' | 'index' | 'other' | 'opaque';
  /** The schema: the explicit qualifier, else the analysis' best guess (see `qualified`). */
  schema: string;
  table?: string;
  column?: string;
  name?: string;
  /** e.g. 'DROP COLUMN', 'ALTER COLUMN TYPE', 'TRUNCATE', 'DELETE without WHERE'. */
  reason: string;
  /**
   * false when the name had no schema qualifier: the live side resolves it with the session's real
   * search_path, or with `searchPath` when the migration ran `SET search_path` before it. Absent
   * means qualified (or not a schema object).
   */
  qualified?: boolean;
  /** The search_path a `SET search_path` earlier in the migration set (`"$user"` kept as written). */
  searchPath?: string[];
  /** Dropped with CASCADE: the live side follows pg_depend (columns of a type, dependent views, ...). */
  cascade?: boolean;
  /** Index of the drizzle chunk (statement) that destroys it. */
  statementIndex?: number;
}

/**
 * A table whose rows a statement visibly modifies in a planned way (UPDATE/DELETE with WHERE,
 * INSERT ... ON CONFLICT DO UPDATE, MERGE): rows changed there are planned, not lost by accident.
 */
export interface ModifiedTable {
  schema: string;
  table: string;
  /** false when the name had no schema qualifier (resolve it as for `DestroyedObject.qualified`). */
  qualified: boolean;
  /** See `DestroyedObject.searchPath`. */
  searchPath?: string[];
  /** Index of the drizzle chunk (statement) that modifies it. */
  statementIndex?: number;
}

/** One object a statement creates. */
export interface CreatedObject {
  /** 'table' | 'column' | 'index' | 'type' | 'schema' | 'sequence' | 'view' | 'extension' | ... */
  kind: string;
  schema: string;
  table?: string;
  name?: string;
}

/** Everything dbctl knows about one statement. */
export interface StatementClassification {
  class: StatementClass;
  lock: LockInfo;
  /** false: cannot run inside a transaction block (CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, VACUUM, CREATE/DROP DATABASE, ALTER SYSTEM, CREATE TABLESPACE, ...) */
  transactional: boolean;
  /** true on `ALTER TYPE ... ADD VALUE 'v'` when a LATER statement of the same migration uses 'v' (a string constant equal to v anywhere in its AST): the apply engine commits right after it. */
  commitAfter: boolean;
  /** what data this statement destroys (drives backups before destructive migrations) */
  destroys: DestroyedObject[];
  /** tables whose rows it modifies in a planned way (UPDATE/DELETE with WHERE, upserts) */
  modifies: ModifiedTable[];
  /** true when part of it cannot be seen into (dynamic EXECUTE, user function calls, CALL) */
  opaque: boolean;
  /** what it creates (tables, columns, indexes, types, schemas), for context */
  creates: CreatedObject[];
  /** short human description, e.g. "ALTER TABLE public.users DROP COLUMN email" */
  summary: string;
  /** Tables this statement touches that were created earlier in the same migration (or by it). */
  newTables: string[];
  /** A plain `BEGIN`/`START TRANSACTION` (no options) or `COMMIT`/`END` (no `AND CHAIN`). */
  control?: 'begin' | 'commit';
  /**
   * Set by the analysis (core/analyze.ts) on a plain `COMMIT` alone in its chunk right before a chunk
   * that runs outside a transaction, and a plain `BEGIN` alone in its chunk right after one: the way
   * out of drizzle-kit's transaction for `CREATE INDEX CONCURRENTLY` (drizzle-orm issue 860). dbctl
   * ends and opens its transactions there by itself, so the statement is not sent.
   */
  redundantControl?: boolean;
}

/** Knowledge from outside the migration that sharpens the classification. */
export interface ClassifyOptions {
  /** The current type of an existing column (from earlier migrations), when known. */
  columnType?: (table: string, column: string) => TypeInfo | undefined;
  /**
   * Whether every column of an existing index is already NOT NULL (for `ADD PRIMARY KEY USING
   * INDEX`, which otherwise runs a SET NOT NULL scan); undefined when not known (a scan is assumed).
   */
  indexColumnsNotNull?: (table: string, index: string) => boolean | undefined;
  /**
   * The parser, to see into `DO` blocks, PL/pgSQL and SQL function bodies and constant `EXECUTE`
   * strings. Without it those are opaque (destructive).
   */
  parser?: SqlParser;
  /**
   * Session state carried from statement to statement, and from one migration to the next when
   * they run on one connection: the `search_path` a `SET search_path` set (null: the session's own).
   * Updated in place.
   */
  session?: { searchPath: string[] | null };
}

/** What each lock level blocks of ordinary reads and writes. */
export const BLOCKS: Record<LockLevel, LockInfo['blocks']> = {
  'ACCESS SHARE': 'nothing',
  'ROW SHARE': 'nothing',
  'ROW EXCLUSIVE': 'nothing',
  'SHARE UPDATE EXCLUSIVE': 'nothing',
  SHARE: 'writes',
  'SHARE ROW EXCLUSIVE': 'writes',
  EXCLUSIVE: 'writes',
  'ACCESS EXCLUSIVE': 'reads-and-writes',
};

/** What ordinary reads and writes a lock level blocks. */
export function lockBlocks(level: LockLevel | null): LockInfo['blocks'] {
  return level ? BLOCKS[level] : 'nothing';
}

/** Orders `LockInfo.blocks` values, weakest first. */
export const BLOCK_RANK: Record<LockInfo['blocks'], number> = { nothing: 0, writes: 1, 'reads-and-writes': 2 };

/** One short sentence about a lock, e.g. "ACCESS EXCLUSIVE lock on public.users: blocks reads and writes; rewrites the table". */
export function describeLock(lock: LockInfo): string {
  if (!lock.level) {
    return lock.tables.length
      ? `no lock on existing tables (${lock.tables.join(', ')} created in this migration)`
      : 'no lock on existing tables';
  }
  const on = lock.tables.length ? ` on ${lock.tables.join(', ')}` : '';
  const blocks =
    lock.blocks === 'nothing'
      ? 'does not block reads or writes'
      : lock.blocks === 'writes'
        ? 'blocks writes (reads continue)'
        : 'blocks reads and writes';
  const work: string[] = [];
  const holding = lock.blocks === 'nothing' ? '' : ' while holding it';
  if (lock.rewritesTable) work.push(`rewrites the whole table${holding}`);
  else if (lock.scansTable) work.push(`scans the whole table${holding}`);
  else if (lock.blocks !== 'nothing') work.push('held briefly (catalog change only), but queues behind running queries');
  return `${lock.level} lock${on}: ${blocks}${work.length ? `; ${work.join('; ')}` : ''}`;
}
