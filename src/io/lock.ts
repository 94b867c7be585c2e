/**
 * The migration lock: a session-level Postgres advisory lock held on migrate's own dedicated
 * connection for the whole run, so replicas starting together apply each migration exactly once.
 *
 * A session lock only means something on a real session. Through a transaction-mode pooler
 * (PgBouncer `pool_mode = transaction`, Neon's `-pooler` host, Supabase's port 6543) consecutive
 * statements of one client land on whichever server connection is free, and other clients'
 * statements land on the backend that took the lock (where a second `pg_try_advisory_lock`
 * succeeds: the lock is re-entrant). So before taking the lock dbctl proves it has a session of
 * its own (`probeSession`), takes the lock only on that session, and every later statement that
 * relies on it checks, in the same statement, that it still runs on that backend with that
 * session's marker. Any doubt is LOCK_NOT_HELD (exit 1), naming `directUrl`. Every wait is
 * bounded by `--wait`.
 */
import { createHash, randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { DbctlError } from '../errors.js';
import { sleep } from './db.js';

/** First key of every dbctl advisory lock ("dbct" as a 32-bit integer). */
const LOCK_NAMESPACE = 0x64626374;

/** The session setting carrying a run's marker (custom settings are per backend, never shared by sessions). */
export const SESSION_MARKER = 'dbctl.session';

/** The two int4 keys of the lock for one drizzle migrations table. */
export function lockKeys(scope: string): [number, number] {
  return [LOCK_NAMESPACE, createHash('sha256').update(`dbctl:migrate:${scope}`).digest().readInt32BE(0)];
}

/** A lock this run holds: on which backend, with which session marker. */
export interface HeldLock {
  scope: string;
  keys: [number, number];
  /** Backend pid that took the lock; every later check requires the same backend. */
  pid: number;
  /** Value of `dbctl.session` on that backend; another client on the same backend would change it. */
  token: string;
}

/** Who holds the lock, as far as pg_stat_activity shows. */
interface LockHolder {
  pid: number;
  application_name: string | null;
  client_addr: string | null;
  since: string | null;
}

/** Options of `acquireMigrationLock`. */
export interface AcquireOptions {
  waitMs: number;
  onWaiting?: (holder: string) => void;
  /**
   * Opens a second, separate client to the same url, used once to prove the main connection is a
   * session of its own (closed before the lock is taken). Without it the probe is skipped.
   */
  openProbe?: () => postgres.Sql;
  /** True once the main connection closed (then a changed backend is a lost session, not a pooler). */
  connectionClosed?: () => boolean;
  /** The caller's cancellation: the wait wakes at once when it fires, and `stopIfAborted` ends it. */
  signal?: AbortSignal;
  /** A safe point, called before each attempt and when `signal` fires: what it throws stops the wait (nothing held). */
  stopIfAborted?: () => void;
}

/** How long one probe statement on the second client may wait for a server connection. */
const PROBE_STATEMENT_MS = 2_000;
/** Probe rounds: each moves the marker and reads it back from both clients. */
const PROBE_ROUNDS = 3;

/**
 * Takes the lock, polling until `waitMs` runs out (then LOCK_TIMEOUT, exit 5, naming the holder).
 * Refuses with LOCK_NOT_HELD when the connection is not a session of its own (transaction pooler).
 * `onWaiting` is called once when another run holds the lock. Nothing here waits past `waitMs`
 * (plus one probe statement's bound).
 */
export async function acquireMigrationLock(sql: postgres.Sql, scope: string, options: AcquireOptions): Promise<HeldLock> {
  const keys = lockKeys(scope);
  const [k1, k2] = keys;
  const deadline = Date.now() + options.waitMs;
  const remaining = () => Math.max(0, deadline - Date.now());
  const token = `dbctl-${randomUUID()}`;
  const session = await probeSession(sql, token, options.openProbe, deadline);
  let told = false;
  let delay = 50;
  for (;;) {
    options.stopIfAborted?.();
    // The lock is taken only on our own session (marker intact) and only if no backend holds it:
    // a re-entrant grant on a backend shared through a pooler is never taken.
    const [row] = await bounded(
      sql<{ ok: boolean; pid: number; mine: boolean }[]>`
        select pg_backend_pid() as pid,
               coalesce(current_setting(${SESSION_MARKER}, true) = ${token}, false) as mine,
               case when coalesce(current_setting(${SESSION_MARKER}, true) = ${token}, false)
                     and not exists (select 1 from pg_locks where locktype = 'advisory' and granted
                                        and database = (select oid from pg_database where datname = current_database())
                                        and classid = ${k1}::int::oid and objid = ${k2}::int::oid and objsubid = 2)
                    then pg_try_advisory_lock(${k1}::int, ${k2}::int) else false end as ok`,
      remaining() + 1_000,
      () => waitExpired('the migration lock'),
    );
    if (!row?.mine || row.pid !== session.pid) {
      if (row?.ok) await unlockOn(sql, keys, row.pid).catch(() => {});
      if (options.connectionClosed?.()) throw sessionLost();
      throw lockNotHeld('pooler');
    }
    if (row.ok) break;
    const holder = await bounded(describeHolder(sql, k1, k2), remaining() + 1_000, () => waitExpired('the migration lock'));
    if (!told) {
      options.onWaiting?.(holder);
      told = true;
    }
    if (Date.now() >= deadline) {
      throw new DbctlError('LOCK_TIMEOUT', `another dbctl migrate (${holder}) held the migration lock for longer than the wait`, {
        hint: 'let it finish and run `dbctl migrate` again, or raise --wait',
      });
    }
    await wake(Math.min(delay, remaining()), options.signal);
    delay = Math.min(delay * 2, 500);
  }
  const lock: HeldLock = { scope, keys, pid: session.pid, token };
  try {
    await assertLockHeld(sql, lock);
  } catch (error) {
    await releaseMigrationLock(sql, lock).catch(() => {});
    throw error;
  }
  return lock;
}

/**
 * Proves `sql` is a session of its own before any lock is taken: sets a marker on its backend,
 * then reads it back from a second client (a real separate session never sees it, nor shares the
 * backend pid) and from `sql` itself (a real session keeps its backend and marker). A pooler
 * that hands one server connection to several clients shows itself here. Returns the backend pid.
 */
async function probeSession(
  sql: postgres.Sql,
  token: string,
  openProbe: (() => postgres.Sql) | undefined,
  deadline: number,
): Promise<{ pid: number }> {
  const remaining = () => Math.max(0, deadline - Date.now()) + 1_000;
  const expired = () => waitExpired('a database session');
  const [first] = await bounded(
    sql<{ pid: number }[]>`select pg_backend_pid() as pid, set_config(${SESSION_MARKER}, ${token}, false) as marker`,
    remaining(),
    expired,
  );
  const pid = first!.pid;
  const probe = openProbe?.();
  let answered = false;
  try {
    for (let round = 0; round < (probe ? PROBE_ROUNDS : 1); round++) {
      if (probe) {
        // A probe client that cannot get a server in time tells nothing (a full session pool): the
        // checks on our own connection, and those inside every migration transaction, still hold.
        const seen = await bounded(
          probe<
            { pid: number; marker: string | null }[]
          >`select pg_backend_pid() as pid, current_setting(${SESSION_MARKER}, true) as marker`,
          Math.min(PROBE_STATEMENT_MS, remaining()),
          () => null,
        ).catch(() => null);
        const other = seen?.[0];
        if (other && (other.pid === pid || (other.marker ?? '').startsWith('dbctl-'))) throw lockNotHeld('pooler');
        answered = Boolean(other);
      }
      const [again] = await bounded(
        sql<{ pid: number; marker: string | null }[]>`select pg_backend_pid() as pid, current_setting(${SESSION_MARKER}, true) as marker`,
        remaining(),
        expired,
      );
      if (again!.pid !== pid || again!.marker !== token) throw lockNotHeld('pooler');
      if (!answered) break;
    }
  } finally {
    await probe?.end({ timeout: 0 }).catch(() => {});
  }
  return { pid };
}

/**
 * Checks, from a separate statement, that this backend still holds the lock, and (given the
 * `HeldLock`) that the statement runs on the backend that took it with this run's marker. Under a
 * transaction-mode pooler the statement lands on another backend and the check fails.
 */
export async function assertLockHeld(sql: postgres.Sql | postgres.TransactionSql, lock: HeldLock | string): Promise<void> {
  const held = typeof lock === 'string' ? { scope: lock, keys: lockKeys(lock), pid: null, token: null } : lock;
  const [k1, k2] = held.keys;
  const [row] = await sql<{ held: boolean }[]>`
    select exists (select 1 from pg_locks where locktype = 'advisory' and granted and pid = pg_backend_pid()
                    and classid = ${k1}::int::oid and objid = ${k2}::int::oid and objsubid = 2)
           and (${held.pid}::int is null or pg_backend_pid() = ${held.pid}::int)
           and (${held.token}::text is null or current_setting(${SESSION_MARKER}, true) = ${held.token}::text) as held`;
  if (!row?.held) throw lockNotHeld();
}

/**
 * The error for a lock that does not hold on this connection: `pooler` when the connection was
 * shown to be shared (a transaction-mode pooler), else the connection may also have been reset.
 */
export function lockNotHeld(reason: 'pooler' | 'unknown' = 'unknown'): DbctlError {
  return new DbctlError(
    'LOCK_NOT_HELD',
    reason === 'pooler'
      ? 'the url goes through a transaction-mode pooler (PgBouncer, Neon -pooler, Supabase port 6543) where the migration lock cannot hold: nothing was applied; migrate needs a directUrl'
      : 'the migration lock is not held by the connection running migrations: the url points at a transaction-mode pooler (PgBouncer) or the connection was reset; migrate needs a directUrl',
    {
      hint: 'set `directUrl` for this environment in the dbctl config to a direct (or session-mode) connection and run `dbctl migrate` again',
    },
  );
}

/**
 * Releases the lock (closing the connection releases it too). Given a `HeldLock` the unlock only
 * runs on the backend that took it; through a pooler it is retried a few times, since a lock left
 * on a pooled server connection would outlive this run.
 */
export async function releaseMigrationLock(sql: postgres.Sql, lock: HeldLock | string): Promise<void> {
  if (typeof lock === 'string') {
    const [k1, k2] = lockKeys(lock);
    await sql`select pg_advisory_unlock(${k1}::int, ${k2}::int)`;
    return;
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await unlockOn(sql, lock.keys, lock.pid)) return;
    await sleep(20 * (attempt + 1));
  }
}

/** Unlocks when the statement runs on backend `pid`; true when it did (or nothing was held there). */
async function unlockOn(sql: postgres.Sql, [k1, k2]: [number, number], pid: number): Promise<boolean> {
  const [row] = await bounded(
    sql<{ here: boolean }[]>`
      select pg_backend_pid() = ${pid}::int as here,
             case when pg_backend_pid() = ${pid}::int then pg_advisory_unlock(${k1}::int, ${k2}::int) end as released`,
    5_000,
    () => waitExpired('releasing the migration lock'),
  );
  return Boolean(row?.here);
}

async function describeHolder(sql: postgres.Sql, k1: number, k2: number): Promise<string> {
  const [holder] = await sql<LockHolder[]>`
    select a.pid, a.application_name, a.client_addr::text as client_addr, to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS') as since
      from pg_locks l join pg_stat_activity a on a.pid = l.pid
     where l.locktype = 'advisory' and l.granted and l.classid = ${k1}::int::oid and l.objid = ${k2}::int::oid and l.objsubid = 2
       and l.database = (select oid from pg_database where datname = current_database())
     limit 1`;
  if (!holder) return 'another run';
  return `pid ${holder.pid}${holder.application_name ? `, ${holder.application_name}` : ''}${holder.client_addr ? ` from ${holder.client_addr}` : ''}${holder.since ? `, connected since ${holder.since}` : ''}`;
}

/** Sleeps `ms`, or less when `signal` fires first. */
function wake(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return sleep(ms);
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The driver-style error for a session that closed under us (the caller reports it as a lost connection). */
function sessionLost(): Error {
  return Object.assign(new Error('the connection was closed while waiting for the migration lock'), { code: 'CONNECTION_CLOSED' });
}

function waitExpired(what: string): DbctlError {
  return new DbctlError(
    'LOCK_TIMEOUT',
    `no answer from the database within the wait while acquiring ${what} (a pooler with no free server connection?)`,
    {
      hint: 'run `dbctl migrate` again when the database is less busy, or raise --wait',
    },
  );
}

/**
 * Resolves a query or fails once `ms` pass: the query is cancelled and `onTimeout`'s error thrown
 * (or its value returned when it is not an Error).
 */
async function bounded<T, F>(
  query: Promise<T> & { cancel?: () => unknown },
  ms: number,
  onTimeout: () => F,
): Promise<T | Exclude<F, Error>> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), ms)));
  try {
    const outcome = await Promise.race([query, expired]);
    if (outcome !== 'expired') return outcome as T;
    query.cancel?.();
    query.catch(() => {});
    const result = onTimeout();
    if (result instanceof Error) throw result;
    return result as Exclude<F, Error>;
  } finally {
    clearTimeout(timer);
  }
}
