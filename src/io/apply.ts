/**
 * The apply engine: runs pending migrations one by one on migrate's dedicated connection, each in
 * its own transaction (cut into segments where a statement cannot run in one), with lock_timeout
 * and bounded retries, and records each outcome in drizzle's table and dbctl's history.
 * A failure stops the run; earlier migrations stay applied.
 */
import { performance } from 'node:perf_hooks';
import type postgres from 'postgres';
import type { PlannedMigration } from '../core/plan.js';
import { planSegments, type Segment, type StatementExecution } from '../core/segments.js';
import { backoffMs, LOCK_NOT_AVAILABLE } from '../core/retry.js';
import type { LocalMigration } from '../drizzle/folder.js';
import { beginSafely, errorCode, isConnectionLoss, lossReason, sleep } from './db.js';
import { assertLockHeld, lockKeys, lockNotHeld, SESSION_MARKER, type HeldLock } from './lock.js';
import { recordApplied, recordAfterConnectionLoss, recordHistory, type HistoryRecord, type HistoryTables } from './history.js';
import { watchBlockers, type BlockingSession } from './blockers.js';

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
   * Seam for backups: called before a migration runs; returns a backup id or null. Throwing stops
   * the run before anything of the migration is applied.
   */
  backup?: (migration: LocalMigration) => Promise<string | null>;
  onEvent?: (event: ApplyEvent) => void;
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
  for (const [index, item] of items.entries()) {
    const { migration, outOfOrder } = item.planned;
    settings.onEvent?.({ type: 'start', tag: migration.tag, index, total: items.length });
    const startedAt = new Date();
    const t0 = performance.now();
    let backupId: string | null = null;
    try {
      backupId = settings.backup ? await settings.backup(migration) : null;
    } catch (error) {
      // no backup, no migration: nothing of it runs; earlier migrations stay applied
      const failure = backupFailure(migration, error);
      return { applied, failure, remaining: items.slice(index).map((i) => i.planned.migration.tag) };
    }
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
    const failure = await runMigration(sql, migration, item.execution, settings, () => record('applied'));
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
): Promise<ApplyFailure | null> {
  const segments = planSegments(execution);
  let committed = false;
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    let failure: SegmentFailure | null;
    try {
      failure = segment.transactional
        ? await runTransactionalSegment(sql, migration, segment, settings, last ? appliedRecord : null)
        : await runAutocommitSegment(sql, migration, segment, settings, last ? appliedRecord : null);
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

async function runTransactionalSegment(
  sql: postgres.Sql,
  migration: LocalMigration,
  segment: Segment,
  settings: ApplySettings,
  appliedRecord: (() => HistoryRecord) | null,
): Promise<SegmentFailure | null> {
  const attempts = settings.lockRetries + 1;
  const prefix = timeoutPrefix(settings);
  let blockers: BlockingSession[] = [];
  for (let attempt = 1; ; attempt++) {
    let current = segment.statements[0]!;
    let shift = prefix.length;
    const watcher = watchBlockers(settings.openMonitor, settings.pid);
    try {
      await beginSafely(sql, async (tx) => {
        for (const [i, index] of segment.statements.entries()) {
          current = index;
          shift = i === 0 ? prefix.length : 0;
          await tx.unsafe(i === 0 ? prefix + migration.statements[index]!.sql : migration.statements[index]!.sql);
        }
        if (appliedRecord) await recordAppliedOrFail(tx, settings, appliedRecord());
        else await assertLockHeld(tx, settings.lock ?? settings.lockScope);
      });
      watcher.stop();
      return null;
    } catch (error) {
      const seen = watcher.stop();
      if (seen.length > 0) blockers = seen;
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

async function runAutocommitSegment(
  sql: postgres.Sql,
  migration: LocalMigration,
  segment: Segment,
  settings: ApplySettings,
  appliedRecord: (() => HistoryRecord) | null,
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
  try {
    await sql.unsafe(migration.statements[index]!.sql);
  } catch (error) {
    // a lost connection during a statement outside a transaction: it may have run, so the
    // migration counts as stopped part-way (the history says so; `dbctl resolve` settles it)
    if (isConnectionLoss(error)) return lostFailure(migration, index, error);
    return { ...describeError(migration, index, error), lockTimeout: null, backupFailed: null };
  }
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

function describeError(migration: LocalMigration, index: number, error: unknown, shift = 0): Omit<SegmentFailure, 'lockTimeout' | 'backupFailed'> {
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
