/**
 * The apply engine: runs pending migrations one by one on migrate's dedicated connection, each in
 * its own transaction (cut into segments where a statement cannot run in one), with lock_timeout
 * and bounded retries, and records each outcome in drizzle's table and dbctl's history.
 * A failure stops the run; earlier migrations stay applied.
 */
import type postgres from 'postgres';
import type { PlannedMigration } from '../core/plan.js';
import { planSegments, type Segment, type StatementExecution } from '../core/segments.js';
import { backoffMs, LOCK_NOT_AVAILABLE } from '../core/retry.js';
import type { LocalMigration } from '../drizzle/folder.js';
import { beginSafely, errorCode, isConnectionLoss, lossReason, sleep } from './db.js';
import { assertLockHeld, lockKeys, lockNotHeld, SESSION_MARKER, type HeldLock } from './lock.js';
import { recordApplied, recordAfterConnectionLoss, recordHistory, type HistoryRecord, type HistoryTables } from './history.js';
import { watchBlockers, type BlockingSession } from './blockers.js';
import {
  compareSnapshots,
  countersBaselineQuery,
  currentTablesQuery,
  findSnapshotRow,
  lockedQuery,
  oldTablesQuery,
  parseCountersBaseline,
  parseSnapshot,
  SNAPSHOT_COLUMN,
  unplanned,
  withoutBaseline,
  type Allowance,
  type CountersBaseline,
  type Destruction,
} from './destruction.js';

/** A table named by schema and name. */
export interface TableName {
  schema: string;
  table: string;
}

/** What the backup seam prepared for one migration: its backup, and what the pre-commit check allows. */
export interface Preparation {
  backupId: string | null;
  allowance: Allowance;
  /**
   * Tables the plan judged empty: inside the transaction they are locked (SHARE mode: no row can be
   * written) and checked again; a table that gained rows rolls the attempt back (see `gainedRows`).
   */
  emptyTables: TableName[];
}

/** Settings of one apply run. */
export interface ApplySettings {
  tables: HistoryTables;
  lockScope: string;
  /** The lock as taken (backend pid, session marker); every check then requires that backend. */
  lock?: HeldLock;
  envName: string;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  lockRetries: number;
  hostname: string;
  dbctlVersion: string;
  /** Our backend pid, to find who blocks us. */
  pid: number;
  /** Opens a side connection for watching blockers (only when a statement waits). */
  openMonitor: () => postgres.Sql;
  /**
   * Seam for backups: called before a migration runs (again, with the tables that gained rows since
   * they were judged empty, when that happened); returns its backup and allowance. Throwing stops
   * the run before anything of the migration is applied.
   */
  backup?: (migration: LocalMigration, gainedRows: TableName[]) => Promise<Preparation | null>;
  /**
   * The pre-commit check (on unless false): the catalog and the transaction's row counters are
   * compared before COMMIT, and unplanned destruction rolls the migration back.
   */
  precommitCheck?: boolean;
  /** `schema.table` of dbctl's and drizzle's own tables, never compared. */
  ownTables?: string[];
  onEvent?: (event: ApplyEvent) => void;
  /**
   * A safe point before each migration (the caller's cancellation): what it throws stops the run
   * there, with the migrations applied before it attached to the error as `applied`.
   */
  beforeEach?: (migration: LocalMigration) => void;
}

/** Progress events for renderers. */
export type ApplyEvent =
  | { type: 'start'; tag: string; index: number; total: number }
  | { type: 'applied'; tag: string; ms: number }
  | { type: 'lock-retry'; tag: string; attempt: number; waitMs: number; blockers: BlockingSession[] };

/** One applied migration, as the contract's JSON reports it. */
export interface AppliedMigration {
  tag: string;
  ms: number;
  backup: string | null;
  outOfOrder: boolean;
}

/** Why a migration failed, with everything a good error message needs. */
export interface ApplyFailure {
  tag: string;
  file: string;
  relativeFile: string;
  statementIndex: number;
  statement: string;
  /** 1-based line of the statement in the file. */
  line: number;
  message: string;
  code: string | undefined;
  detail: string | undefined;
  hint: string | undefined;
  /** Character offset in the file text where PostgreSQL placed the error, when it gave a position. */
  fileOffset: number | undefined;
  /** Something of the migration stayed applied (a committed segment, a non-transactional statement). */
  partial: boolean;
  /** Set when the failure was a lock timeout after every retry. */
  lockTimeout: { attempts: number; blockers: BlockingSession[] } | null;
  /** Set when the backup before the migration failed (then no statement ran). */
  backupFailed: { hint: string | undefined } | null;
  /** Set when the pre-commit check found destruction nothing allowed (then the migration was rolled back). */
  unplanned?: Destruction[];
  /** Tables judged empty that had gained rows by the time the migration's transaction locked them. */
  gainedRows?: TableName[];
  /**
   * Set when the connection was lost while the migration ran: why, whether it committed after all
   * (its drizzle row is there), and whether the outcome could be recorded in the history.
   */
  connectionLost?: { reason: string; committed: boolean | null; recorded: boolean };
}

/** The outcome of a run. */
export interface ApplyResult {
  applied: AppliedMigration[];
  failure: ApplyFailure | null;
  /** Tags still pending after the run (the failed one first). */
  remaining: string[];
}

/** A migration to apply with how its statements must execute. */
export interface ApplyItem {
  planned: PlannedMigration<LocalMigration>;
  execution: StatementExecution[];
}

/** Applies `items` in order; stops at the first failure. */
export async function applyMigrations(sql: postgres.Sql, items: readonly ApplyItem[], settings: ApplySettings): Promise<ApplyResult> {
  const applied: AppliedMigration[] = [];
  if (settings.precommitCheck !== false && items.length > 0) await preparePrecommit(sql);
  for (const [index, item] of items.entries()) {
    const { migration, outOfOrder } = item.planned;
    try {
      settings.beforeEach?.(migration);
    } catch (error) {
      throw Object.assign(error as Error, { applied: [...applied] });
    }
    settings.onEvent?.({ type: 'start', tag: migration.tag, index, total: items.length });
    const startedAt = new Date();
    const t0 = performance.now();
    let backupId: string | null = null;
    let preparation: Preparation | null = null;
    const prepare = async (gained: TableName[]): Promise<ApplyFailure | null> => {
      try {
        preparation = settings.backup ? await settings.backup(migration, gained) : null;
        backupId = preparation?.backupId ?? null;
        return null;
      } catch (error) {
        // a guard's refusal stops the run; the migrations applied before it are reported with it
        if ((error as { code?: string }).code === 'REFUSED') throw Object.assign(error as Error, { applied: [...applied] });
        // no backup, no migration: nothing of it runs; earlier migrations stay applied
        return backupFailure(migration, error);
      }
    };
    const prepared = await prepare([]);
    if (prepared) return { applied, failure: prepared, remaining: items.slice(index).map((i) => i.planned.migration.tag) };
    const record = (outcome: HistoryRecord['outcome'], extra: Partial<HistoryRecord> = {}): HistoryRecord => ({
      tag: migration.tag,
      hash: migration.hash,
      createdAt: migration.when,
      outcome,
      outOfOrder,
      startedAt,
      durationMs: Math.round(performance.now() - t0),
      statementsTotal: migration.statements.length,
      statementsDone: migration.statements.length,
      error: null,
      backupId,
      env: settings.envName,
      dbctlVersion: settings.dbctlVersion,
      hostname: settings.hostname,
      ...extra,
    });
    // before a statement that runs outside a transaction, the history says so: a run killed during it
    // (kill -9, a lost container) leaves the migration failed at that statement, never silently pending
    const interrupted = (index: number, ran: boolean) =>
      recordHistory(
        sql,
        settings.tables,
        record('failed', {
          statementsDone: ran ? index + 1 : index,
          error: {
            statement: migration.statements[index]!.sql.trim(),
            code: 'INTERRUPTED',
            message: ran
              ? `dbctl stopped after statement ${index + 1}, which ran and committed outside a transaction; the statements after it did not commit`
              : `dbctl stopped while statement ${index + 1} ran outside a transaction (it may have finished on the server)`,
          },
        }),
      );
    let failure = await runMigration(sql, migration, item.execution, settings, () => record('applied'), preparation, interrupted);
    if (failure?.gainedRows) {
      // a table judged empty gained rows before the transaction locked it: back it up, then run again
      const again = await prepare(failure.gainedRows);
      if (again) return { applied, failure: again, remaining: items.slice(index).map((i) => i.planned.migration.tag) };
      failure = await runMigration(
        sql,
        migration,
        item.execution,
        settings,
        () => record('applied'),
        { ...preparation!, emptyTables: [] },
        interrupted,
      );
    }
    if (failure?.connectionLost) {
      // the session (and its lock) is gone: find out on a new connection whether the migration
      // committed, and record the attempt if it did not; the caller stops the run either way
      const done = failure.partial ? failure.statementIndex : 0;
      const settled = await recordAfterConnectionLoss(
        sql,
        settings.tables,
        record(failure.partial ? 'failed' : 'rolled-back', {
          statementsDone: done,
          error: { statement: failure.statement, message: `connection lost: ${failure.connectionLost.reason}`, code: 'CONNECTION_LOST' },
        }),
      );
      failure.connectionLost.committed = settled.committed;
      failure.connectionLost.recorded = settled.recorded;
      if (settled.committed) {
        const ms = Math.round(performance.now() - t0);
        applied.push({ tag: migration.tag, ms, backup: backupId, outOfOrder });
        return { applied, failure, remaining: items.slice(index + 1).map((i) => i.planned.migration.tag) };
      }
      return { applied, failure, remaining: items.slice(index).map((i) => i.planned.migration.tag) };
    }
    if (failure) {
      const done = failure.partial ? failure.statementIndex : 0;
      await recordHistory(
        sql,
        settings.tables,
        record(failure.partial ? 'failed' : 'rolled-back', {
          statementsDone: done,
          error: { statement: failure.statement, message: failure.message, ...(failure.code ? { code: failure.code } : {}) },
        }),
      ).catch(() => {
        // the connection may be gone; the failure itself is what must be reported
      });
      return { applied, failure, remaining: items.slice(index).map((i) => i.planned.migration.tag) };
    }
    const ms = Math.round(performance.now() - t0);
    applied.push({ tag: migration.tag, ms, backup: backupId, outOfOrder });
    settings.onEvent?.({ type: 'applied', tag: migration.tag, ms });
  }
  return { applied, failure: null, remaining: [] };
}

/** Runs one migration's segments; returns the failure or null. Records success in the last segment. */
async function runMigration(
  sql: postgres.Sql,
  migration: LocalMigration,
  execution: StatementExecution[],
  settings: ApplySettings,
  appliedRecord: () => HistoryRecord,
  preparation: Preparation | null,
  interrupted: (index: number, ran: boolean) => Promise<void>,
): Promise<ApplyFailure | null> {
  const segments = planSegments(execution);
  let committed = false;
  let emptyTables = preparation?.emptyTables ?? [];
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    const check: SegmentCheck | null =
      settings.precommitCheck === false || !segment.transactional ? null : { allowance: preparation?.allowance ?? null, emptyTables };
    if (segment.transactional) emptyTables = []; // locked and checked in the migration's first transaction
    let failure: SegmentFailure | null;
    try {
      failure = segment.transactional
        ? await runTransactionalSegment(sql, migration, segment, settings, last ? appliedRecord : null, check)
        : await runAutocommitSegment(sql, migration, segment, settings, last ? appliedRecord : null, interrupted);
    } catch (error) {
      if (!isConnectionLoss(error)) throw error;
      failure = lostFailure(migration, segment.statements[0]!, error);
    }
    if (failure) return { ...failure, partial: committed || !segment.transactional };
    committed = true;
  }
  if (segments.length === 0) {
    // an empty migration (comments only) is still recorded, as drizzle does
    await beginSafely(sql, (tx) => recordAppliedOrFail(tx, settings, appliedRecord()));
  }
  return null;
}

/** Writes the applied rows; rolls the transaction back when the lock is not held by this backend. */
async function recordAppliedOrFail(tx: postgres.TransactionSql, settings: ApplySettings, record: HistoryRecord): Promise<void> {
  if (!(await recordApplied(tx, settings.tables, record, lockKeys(settings.lockScope), settings.lock))) throw lockNotHeld();
}

/**
 * `SET LOCAL` for the transaction's timeouts, sent in the same round trip as its first statement
 * (simple protocol runs both in order); error positions are shifted back by its length.
 */
function timeoutPrefix(settings: ApplySettings): string {
  return `SET LOCAL lock_timeout = '${Math.round(settings.lockTimeoutMs)}ms'; SET LOCAL statement_timeout = '${Math.round(settings.statementTimeoutMs)}ms';\n`;
}

type SegmentFailure = Omit<ApplyFailure, 'partial'>;

/** What the pre-commit check of one transactional segment needs. */
interface SegmentCheck {
  /** null: nothing allowed beyond tables that held no rows. */
  allowance: Allowance | null;
  emptyTables: TableName[];
  /**
   * Tables an earlier attempt of the segment left on new storage without pages (a TRUNCATE, or a
   * rewrite of a table with no rows): locked (SHARE mode) and checked when the transaction begins,
   * like `emptyTables`; one found empty then held no rows to lose, one with rows is no concern
   * unless it ends up emptied again.
   */
  rewritten?: TableName[];
  /**
   * The session's backend may still hold row counters of earlier transactions (see
   * `sessionsWithCounters`): they are read as the transaction's first query and taken off at its end.
   */
  countersPending?: boolean;
}

/**
 * Sessions (postgres.js instances) whose backend may hold row counters it has not flushed yet:
 * `pg_stat_get_xact_tuples_updated`/`_deleted` report those as the current transaction's. A session
 * joins once one of its transactions counted updated or deleted rows, or ended without committing.
 */
const sessionsWithCounters = new WeakSet<object>();

/** Thrown inside a transaction to roll it back. */
class Rollback extends Error {
  constructor(readonly reason: { unplanned: Destruction[] } | { gained: TableName[] } | { probe: number }) {
    super('rollback');
  }
}

function quoteTable(t: TableName): string {
  return `"${t.schema.replace(/"/g, '""')}"."${t.table.replace(/"/g, '""')}"`;
}

/**
 * The text sent before a segment's first statement, in the same round trip: the row counters the
 * session already holds (only when it may hold some), the SHARE lock on the tables judged empty, and
 * their emptiness checked again. After the first statement instead when that is
 * `SET TRANSACTION ...`, which must come before any query.
 */
function beforeText(check: SegmentCheck): string {
  const baseline = check.countersPending ? `${countersBaselineQuery()};\n` : '';
  const tables = [...check.emptyTables, ...(check.rewritten ?? [])];
  if (tables.length === 0) return baseline;
  const exists = tables.map((t) => `exists (select 1 from ${quoteTable(t)})`).join(', ');
  return `${baseline}LOCK TABLE ${tables.map(quoteTable).join(', ')} IN SHARE MODE;
select pg_catalog.json_build_object('e', pg_catalog.json_build_array(${exists})) as ${SNAPSHOT_COLUMN};\n`;
}

/**
 * The text appended to a segment's last statement, in the same round trip: the suspects query,
 * prepared once per run on migrate's session (`preparePrecommit`), so its plan is not made again
 * in every migration.
 */
const PRECOMMIT_STATEMENT = 'dbctl_precommit_suspects';
const AFTER_TEXT = `\n;\nEXECUTE ${PRECOMMIT_STATEMENT}`;

/** Prepares the suspects query on the session (a duplicate from an earlier run of this session is the same query). */
async function preparePrecommit(sql: postgres.Sql): Promise<void> {
  await sql.unsafe(`PREPARE ${PRECOMMIT_STATEMENT} AS ${lockedQuery()}`).catch((error: unknown) => {
    if (errorCode(error) !== '42P05') throw error; // duplicate_prepared_statement
  });
}

/** What the first round trip of a checked transaction read (see `readBegin`). */
interface Begun {
  heldNoRows: TableName[];
  baseline: CountersBaseline;
  /** Set by `checkAfter` when the transaction's tables show updated or deleted rows. */
  counted?: boolean;
}

/**
 * Reads what was checked when the segment's transaction began: the session's row counters; a table
 * judged empty that has rows rolls it back (`gained`); returns the `rewritten` tables found empty,
 * under the SHARE lock.
 */
function readBegin(result: unknown, check: SegmentCheck): Begun {
  const rewritten = check.rewritten ?? [];
  let baseline: CountersBaseline = new Map();
  if (check.countersPending) {
    // fail closed: without the baseline's row the counters cannot be told apart
    const row = findSnapshotRow(result, 'b');
    if (row === undefined) throw new Error('dbctl: the pre-commit check found no row counters in the first round trip');
    baseline = parseCountersBaseline(row);
  }
  if (check.emptyTables.length + rewritten.length === 0) return { heldNoRows: [], baseline };
  const nonEmpty = ((findSnapshotRow(result, 'e') as { e?: boolean[] } | undefined)?.e ?? []) as boolean[];
  // fail closed: a missing answer counts as rows
  const gained = check.emptyTables.filter((_, i) => nonEmpty[i] !== false);
  if (gained.length) throw new Rollback({ gained });
  return { heldNoRows: rewritten.filter((_, i) => nonEmpty[check.emptyTables.length + i] === false), baseline };
}

/**
 * What the transaction destroyed that nothing allows, from the locked relations its last round
 * trip reported: only suspects cost a comparison (now, in the transaction, and when it began, on the
 * monitor connection through the exported snapshot; both at once).
 */
async function checkAfter(
  tx: postgres.TransactionSql,
  settings: ApplySettings,
  check: SegmentCheck,
  lastResult: unknown,
  begun: Begun,
): Promise<Destruction[]> {
  const row = findSnapshotRow(lastResult, 'l');
  // fail closed: without the lock list nothing can be judged
  if (row === undefined) throw new Error('dbctl: the pre-commit check found no lock list in the last round trip');
  const oids = parseSnapshot(row).suspects;
  if (oids.length === 0) return [];
  const snapshotId = String((row as { s?: unknown }).s);
  const monitor = settings.openMonitor();
  const [now, then] = await Promise.all([
    tx.unsafe(currentTablesQuery(oids)),
    monitor.unsafe(oldTablesQuery(snapshotId, oids)).catch(async (error: unknown) => {
      await monitor.unsafe('rollback').catch(() => {});
      throw error;
    }),
  ]);
  const own = new Set(settings.ownTables ?? []);
  const thenRow = findSnapshotRow(then, 't');
  if (thenRow === undefined) throw new Error('dbctl: the pre-commit check could not read the catalog as the transaction began');
  const before = parseSnapshot(thenRow).snapshot;
  for (const [oid, t] of before) if (own.has(`${t.schema}.${t.name}`)) before.delete(oid);
  const current = parseSnapshot(findSnapshotRow(now, 't') ?? {}).snapshot;
  for (const t of current.values()) if (t.updated + t.deleted > 0) begun.counted = true;
  const after = withoutBaseline(current, begun.baseline);
  const empty = new Set([...check.emptyTables, ...begun.heldNoRows].map((t) => `${t.schema}.${t.table}`));
  const found = compareSnapshots(before, after, (t) => empty.has(`${t.schema}.${t.name}`));
  if (found.length === 0) return [];
  return check.allowance ? unplanned(found, check.allowance) : found;
}

/**
 * Runs the segment again, statement by statement, checking after each, and rolls it back: the
 * index of the first statement whose destruction nothing allows (only on the failure path).
 */
async function findDestroyingStatement(
  sql: postgres.Sql,
  migration: LocalMigration,
  segment: Segment,
  settings: ApplySettings,
  check: SegmentCheck,
): Promise<number> {
  const fallback = segment.statements[0]!;
  if (segment.statements.length === 1) return fallback;
  try {
    await beginSafely(sql, async (tx) => {
      // SET TRANSACTION ISOLATION LEVEL first when the segment starts with it (nothing may run before it)
      const [first, ...rest] = segment.statements;
      const opening = segment.beforeAnyQuery ? `${timeoutPrefix(settings)}${migration.statements[first!]!.sql};\n` : '';
      const begun = readBegin(
        opening ? (await tx.unsafe(opening), await afterOpening(tx, check)) : await tx.unsafe(timeoutPrefix(settings) + beforeText(check)),
        check,
      );
      for (const index of opening ? rest : segment.statements) {
        const result = await tx.unsafe(migration.statements[index]!.sql + AFTER_TEXT);
        if ((await checkAfter(tx, settings, check, result, begun)).length) throw new Rollback({ probe: index });
      }
      throw new Rollback({ probe: fallback });
    });
  } catch (error) {
    if (error instanceof Rollback && 'probe' in error.reason) return error.reason.probe;
  }
  return fallback;
}

async function runTransactionalSegment(
  sql: postgres.Sql,
  migration: LocalMigration,
  segment: Segment,
  settings: ApplySettings,
  appliedRecord: (() => HistoryRecord) | null,
  check: SegmentCheck | null = null,
): Promise<SegmentFailure | null> {
  const attempts = settings.lockRetries + 1;
  let blockers: BlockingSession[] = [];
  for (let attempt = 1; ; attempt++) {
    // an earlier attempt, or an earlier transaction of the session, may have left row counters
    if (check && !check.countersPending && sessionsWithCounters.has(sql)) check = { ...check, countersPending: true };
    // SET TRANSACTION ISOLATION LEVEL must come before any query: the check's queries then follow it
    const prefix = timeoutPrefix(settings) + (check && !segment.beforeAnyQuery ? beforeText(check) : '');
    let current = segment.statements[0]!;
    let shift = prefix.length;
    let counted = false;
    const watcher = watchBlockers(settings.openMonitor, settings.pid);
    try {
      await beginSafely(sql, async (tx) => {
        let last: unknown;
        let begun: Begun = { heldNoRows: [], baseline: new Map() };
        for (const [i, index] of segment.statements.entries()) {
          current = index;
          shift = i === 0 ? prefix.length : 0;
          const text = migration.statements[index]!.sql + (check && i === segment.statements.length - 1 ? AFTER_TEXT : '');
          last = await tx.unsafe(i === 0 ? prefix + text : text);
          if (i === 0 && check) begun = readBegin(segment.beforeAnyQuery ? await afterOpening(tx, check) : last, check);
        }
        if (check) {
          const found = await checkAfter(tx, settings, check, last, begun);
          counted = Boolean(begun.counted);
          if (found.length) throw new Rollback({ unplanned: found });
        }
        if (appliedRecord) await recordAppliedOrFail(tx, settings, appliedRecord());
        else await assertLockHeld(tx, settings.lock ?? settings.lockScope);
      });
      watcher.stop();
      if (counted) sessionsWithCounters.add(sql);
      return null;
    } catch (error) {
      // whatever ran of the attempt was counted, committed or not
      sessionsWithCounters.add(sql);
      if (check) check = { ...check, countersPending: true };
      const seen = watcher.stop();
      if (seen.length > 0) blockers = seen;
      if (error instanceof Rollback && check) {
        if ('gained' in error.reason) {
          return {
            ...describeError(migration, segment.statements[0]!, error),
            message: 'tables judged empty gained rows',
            lockTimeout: null,
            backupFailed: null,
            gainedRows: error.reason.gained,
          };
        }
        if ('unplanned' in error.reason) {
          const emptied = newlyEmptied(error.reason.unplanned, check);
          if (emptied) {
            // only tables left on new, empty storage, not checked yet: TRUNCATE, or a rewrite of a
            // table that held no rows. Once more, with their emptiness checked under lock first.
            check = { ...check, rewritten: [...(check.rewritten ?? []), ...emptied] };
            attempt--;
            continue;
          }
          const index = await findDestroyingStatement(sql, migration, segment, settings, check);
          const list = error.reason.unplanned;
          return {
            ...describeError(migration, index, error),
            message: `PostgreSQL reports destruction no backup holds and the plan did not list: ${list.map((d) => `${d.schema}.${d.table}${d.column ? `.${d.column}` : ''} ${d.what}`).join('; ')}`,
            code: 'UNPLANNED_DESTRUCTION',
            lockTimeout: null,
            backupFailed: null,
            unplanned: list,
          };
        }
      }
      if (isConnectionLoss(error)) return lostFailure(migration, current, error, shift);
      if (errorCode(error) === LOCK_NOT_AVAILABLE) {
        if (attempt < attempts) {
          const waitMs = backoffMs(attempt);
          settings.onEvent?.({ type: 'lock-retry', tag: migration.tag, attempt, waitMs, blockers });
          await sleep(waitMs);
          continue;
        }
        return { ...describeError(migration, current, error, shift), lockTimeout: { attempts, blockers }, backupFailed: null };
      }
      if ((error as { code?: string }).code === 'LOCK_NOT_HELD') throw error;
      return { ...describeError(migration, current, error, shift), lockTimeout: null, backupFailed: null };
    }
  }
}

/** The check's first queries, sent after a segment's opening `SET TRANSACTION ...` (nothing when it has none). */
async function afterOpening(tx: postgres.TransactionSql, check: SegmentCheck): Promise<unknown> {
  const text = beforeText(check);
  return text ? await tx.unsafe(text) : [];
}

/**
 * The tables of `found` when all it holds is tables emptied (new storage without pages) whose
 * emptiness was not checked when the transaction began; otherwise null.
 */
function newlyEmptied(found: readonly Destruction[], check: SegmentCheck): TableName[] | null {
  const checked = new Set((check.rewritten ?? []).map((t) => `${t.schema}.${t.table}`));
  if (found.length === 0 || !found.every((d) => d.emptied && !checked.has(`${d.schema}.${d.table}`))) return null;
  return found.map((d) => ({ schema: d.schema, table: d.table }));
}

async function runAutocommitSegment(
  sql: postgres.Sql,
  migration: LocalMigration,
  segment: Segment,
  settings: ApplySettings,
  appliedRecord: (() => HistoryRecord) | null,
  interrupted: (index: number, ran: boolean) => Promise<void>,
): Promise<SegmentFailure | null> {
  const index = segment.statements[0]!;
  const [k1, k2] = lockKeys(settings.lockScope);
  // CONCURRENTLY-style statements take locks that do not block reads or writes, so they may wait
  // as long as they need: lock_timeout would only leave an invalid index behind.
  const [guard] = await sql.unsafe<{ held: boolean }[]>(
    `select set_config('lock_timeout', '0', false), set_config('statement_timeout', $1, false),
            exists (select 1 from pg_locks where locktype = 'advisory' and granted and pid = pg_backend_pid()
                     and classid = $2::int::oid and objid = $3::int::oid and objsubid = 2)
            and ($4::int is null or pg_backend_pid() = $4::int)
            and ($5::text is null or current_setting('${SESSION_MARKER}', true) = $5::text) as held`,
    [`${settings.statementTimeoutMs}ms`, k1, k2, settings.lock?.pid ?? null, settings.lock?.token ?? null] as never[],
  );
  if (!guard?.held) throw lockNotHeld();
  await interrupted(index, false);
  try {
    await sql.unsafe(migration.statements[index]!.sql);
  } catch (error) {
    // a lost connection during a statement outside a transaction: it may have run, so the
    // migration counts as stopped part-way (the history says so; `dbctl resolve` settles it)
    if (isConnectionLoss(error)) return lostFailure(migration, index, error);
    return { ...describeError(migration, index, error), lockTimeout: null, backupFailed: null };
  }
  if (!appliedRecord) await interrupted(index, true);
  if (appliedRecord) await beginSafely(sql, (tx) => recordAppliedOrFail(tx, settings, appliedRecord()));
  return null;
}

/** The failure of a migration whose connection went away at statement `index`. */
function lostFailure(migration: LocalMigration, index: number, error: unknown, shift = 0): SegmentFailure {
  return {
    ...describeError(migration, index, error, shift),
    lockTimeout: null,
    backupFailed: null,
    connectionLost: { reason: lossReason(error), committed: null, recorded: false },
  };
}

function backupFailure(migration: LocalMigration, error: unknown): ApplyFailure {
  const e = error as { message?: string; code?: string; hint?: string };
  return {
    tag: migration.tag,
    file: migration.file,
    relativeFile: migration.relativeFile,
    statementIndex: -1,
    statement: '',
    line: 1,
    message: e.message ?? String(error),
    code: e.code,
    detail: undefined,
    hint: undefined,
    fileOffset: undefined,
    partial: false,
    lockTimeout: null,
    backupFailed: { hint: e.hint },
  };
}

function describeError(
  migration: LocalMigration,
  index: number,
  error: unknown,
  shift = 0,
): Omit<SegmentFailure, 'lockTimeout' | 'backupFailed'> {
  const e = error as { message?: string; code?: string; detail?: string; hint?: string; position?: string | number };
  const statement = migration.statements[index]!;
  const raw = e.position === undefined || e.position === '' ? undefined : Number(e.position) - shift;
  const position = raw !== undefined && raw >= 1 ? raw : undefined;
  return {
    tag: migration.tag,
    file: migration.file,
    relativeFile: migration.relativeFile,
    statementIndex: index,
    statement: statement.sql.trim(),
    line: statement.line,
    message: e.message ?? String(error),
    code: e.code,
    detail: e.detail || undefined,
    hint: e.hint || undefined,
    fileOffset: position !== undefined && Number.isFinite(position) ? statement.offset + Math.max(0, position - 1) : undefined,
  };
}
